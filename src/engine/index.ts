/** The engine's public entry: mutate() and the contract types (DESIGN.md §1, STYLE.md rule 1). */
export { mutate } from './mutate.js';
export { diff } from './patch.js';
export { ANNOTATION } from './annotations.js';
export { Reason, REASON_TEXT } from './reasons.js';
export * from './types.js';
