/**
 * The engine's public entry: mutate() and the contract types. The engine is pure: no I/O, no clock,
 * no globals, so the same input gives the same output.
 */
export { mutate } from './mutate.js';
export { diff } from './patch.js';
export { ANNOTATION } from './annotations.js';
export { Reason, REASON_TEXT } from './reasons.js';
export * from './types.js';
export { drift, DriftState, type DriftReport, type PolicyDrift } from './drift.js';
