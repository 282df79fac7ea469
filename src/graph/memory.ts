import { numel } from './host.js';
import type { RuntimeNode, Value } from './resolve.js';

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

/**
 * The lifetimes of a forward pass: every runtime value under its root (a view shares its source's buffer,
 * so its reads extend the source's life), graph inputs from before the first node, outputs past the last,
 * and each node's scratch for that node alone; with `keepAll` nothing dies before the end.
 */
export function passLifetimes(
  graph: { inputs: readonly Value[]; outputs: readonly Value[]; nodes: readonly RuntimeNode[] },
  nodeInfo: readonly { view?: boolean; scratch: readonly number[] }[],
  keepAll: boolean,
): { items: Lifetime[]; rootOf(name: string): string } {
  const root = new Map<string, string>();
  const rootOf = (name: string): string => root.get(name) ?? name;
  graph.nodes.forEach((n, i) => {
    if (nodeInfo[i].view && n.inputs[0]) root.set(n.outputs[0].name, rootOf(n.inputs[0].name));
  });
  const lifetimes = new Map<string, { bytes: number; first: number; last: number }>();
  const touch = (v: Value, at: number) => {
    if (v.constant) return;
    const key = rootOf(v.name);
    const t = lifetimes.get(key) ?? { bytes: numel(v.dims) * 4, first: at, last: at };
    t.first = Math.min(t.first, at);
    t.last = Math.max(t.last, at);
    t.bytes = Math.max(t.bytes, numel(v.dims) * 4);
    lifetimes.set(key, t);
  };
  for (const v of graph.inputs) touch(v, -1);
  graph.nodes.forEach((n, i) => {
    for (const v of n.inputs) if (v) touch(v, i);
    for (const v of n.outputs) touch(v, i);
  });
  for (const v of graph.outputs) touch(v, graph.nodes.length);
  if (keepAll) for (const t of lifetimes.values()) t.last = graph.nodes.length;
  const items: Lifetime[] = [...lifetimes].map(([key, t]) => ({ key, ...t }));
  for (const [i, l] of nodeInfo.entries())
    for (const [j, bytes] of l.scratch.entries())
      items.push({ key: scratchKey(i, j), bytes: Math.max(4, bytes), first: i, last: i });
  return { items, rootOf };
}

/** The plan key of node i's j-th scratch buffer. */
export const scratchKey = (i: number, j: number): string => `#${i}.${j}`;
