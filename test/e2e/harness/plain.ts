/**
 * @kubernetes/client-node declares its models (V1Pod, …) as classes, but its serializer only reads
 * their fields, so the scenarios write manifests as plain object literals. `Plain<T>` is the
 * structural shape of such a model; `toKube` hands a plain manifest to the client in one place.
 */

/** The plain-object shape of a client-node model class (deep). */
export type Plain<T> = T extends Date
  ? T
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

/** A plain manifest as the client-node model type its API methods take. */
export function toKube<T>(value: Plain<T>): T {
  return value as T;
}
