/**
 * Where a policy's init containers go among the pod's (docs/semantics.md, "Placement and anchors"):
 * `placement: Prepend` after the containers earlier Prepend policies placed and before everything
 * else, `Append` at the end, and with `anchor` right before or right after the named init
 * container, found among the pod's own and those earlier policies of this call injected. When no
 * init container has that name, `placement` decides. Pure and linear in the init containers.
 */
import type { Container } from '../kube/wire.js';
import type { CompiledPolicy } from './types.js';

/** One init container of the list being built: the pod's own (with its index) or an injected one. */
export interface InitSlot {
  /** null when a hand-written pod holds null in its list: kept where it is, matching no name. */
  readonly container: Container | null;
  /** Index in the pod's initContainers, for the pod's own containers. */
  readonly own?: number;
  /** `after:NAME` for containers an anchor placed after NAME (later ones go after them). */
  readonly tag?: string;
}

/** Where a policy's containers are inserted. */
export interface Slot {
  readonly index: number;
  /** Carried by the inserted containers (see InitSlot.tag). */
  readonly tag?: string;
  /** Placed by `placement: Prepend`, so part of the leading Prepend block. */
  readonly prepend: boolean;
}

/** The pod's own init containers as slots. */
export function initSlots(list: readonly Container[] | null | undefined): InitSlot[] {
  if (!Array.isArray(list)) return [];
  return (list as readonly (Container | null)[]).map((container, own) => ({ container, own }));
}

/**
 * Where `policy`'s containers go in `slots`, of which the first `prepended` were placed by Prepend.
 * Several policies anchored to the same container keep policy order: `before` inserts right before
 * it (so after those placed before it earlier), `after` after it and after those placed after it.
 */
export function insertionPoint(slots: readonly InitSlot[], prepended: number, policy: CompiledPolicy): Slot {
  const anchor = policy.anchor;
  if (anchor !== undefined) {
    const name = anchor.before ?? anchor.after;
    const found = slots.findIndex((s) => s.container?.name === name);
    if (found >= 0) {
      if (anchor.before !== undefined) return { index: found, prepend: false };
      const tag = `after:${name}`;
      let index = found + 1;
      while (index < slots.length && slots[index]?.tag === tag) index++;
      return { index, tag, prepend: false };
    }
  }
  return policy.placement === 'Append' ? { index: slots.length, prepend: false } : { index: prepended, prepend: true };
}
