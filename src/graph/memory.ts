/**
 * The activation buffer plan: every tensor that lives on the GPU during a forward pass (node outputs and
 * per-node scratch) is given a buffer for its lifetime — from the node that writes it to the last node
 * that reads it, both included — and buffers whose tensors are dead are reused (best fit by size). Views
 * (Reshape, Squeeze…) share their source's buffer, so their reads extend its lifetime.
 */

/** One tensor to place: its size and the first and last node (indices in run order) it is live at. */
export interface Lifetime {
  readonly key: string;
  readonly bytes: number;
  readonly first: number;
  readonly last: number;
}

export interface BufferPlan {
  /** Buffer index of each tensor. */
  readonly slotOf: ReadonlyMap<string, number>;
  /** Size of each buffer, in bytes. */
  readonly slots: readonly number[];
  /** Σ of the buffer sizes: the peak activation memory of a forward pass. */
  readonly peakBytes: number;
  /** Σ of the tensor sizes (what no reuse would cost). */
  readonly unsharedBytes: number;
}

/**
 * Greedy interval allocation: tensors in order of first use; a freed buffer is reused by the next tensor it fits best.
 */
export function planBuffers(items: readonly Lifetime[]): BufferPlan {
  const order = [...items].sort((a, b) => a.first - b.first || b.bytes - a.bytes);
  const slots: number[] = [];
  const busyUntil: number[] = [];
  const slotOf = new Map<string, number>();
  for (const t of order) {
    let best = -1;
    for (let s = 0; s < slots.length; s++) {
      if (busyUntil[s] >= t.first) continue;
      // Best fit: the smallest free buffer that holds it; else the largest free one, grown.
      if (
        best < 0 ||
        (slots[s] >= t.bytes && (slots[best] < t.bytes || slots[s] < slots[best])) ||
        (slots[best] < t.bytes && slots[s] > slots[best])
      )
        best = s;
    }
    if (best < 0) {
      best = slots.length;
      slots.push(0);
      busyUntil.push(-1);
    }
    slots[best] = Math.max(slots[best], t.bytes);
    busyUntil[best] = t.last;
    slotOf.set(t.key, best);
  }
  return {
    slotOf,
    slots,
    peakBytes: slots.reduce((a, b) => a + b, 0),
    unsharedBytes: items.reduce((a, t) => a + t.bytes, 0),
  };
}
