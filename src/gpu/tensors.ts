/**
 * The GPU-resident matrices every op takes and returns. They sit below everything else (ops, the runner,
 * the engine façade import them; they import nothing of those), so no module needs the façade back.
 */
import type { Layout, QuantFormat } from '../formats/format.js';

/** Whatever handed a matrix its buffers out and takes them back (the runner's pool). */
export interface BufferOwner {
  release(buffer: GPUBuffer): void;
}

/** Bits written into output buffers when `poisonOutputs` is on (an f32 quiet NaN). */
export const POISON_BITS = 0x7fc00000;

/**
 * A dense f32 matrix in GPU memory (row-major, K contiguous), starting `offset` elements into its buffer
 * (a view into a larger buffer: the graph runner's activations).
 */
export class GpuMatrix {
  private freed = false;
  constructor(
    readonly owner: BufferOwner,
    readonly rows: number,
    readonly cols: number,
    readonly buffer: GPUBuffer,
    readonly offset = 0,
  ) {}
  /** Returns the buffer to the pool; a second call does nothing (the buffer may already serve another matrix). */
  destroy(): void {
    if (this.freed) return;
    this.freed = true;
    this.owner.release(this.buffer);
  }
}

/** A quantized matrix in GPU memory: the three streams of its format's layout. */
export class GpuQuantizedMatrix {
  private freed = false;
  constructor(
    readonly owner: BufferOwner,
    readonly format: QuantFormat,
    readonly rows: number,
    readonly cols: number,
    readonly layout: Layout,
    readonly codes: GPUBuffer,
    readonly scales: GPUBuffer,
    readonly aux: GPUBuffer,
  ) {}
  /** Stored bits per entry, everything counted (the layout's). */
  get bitsPerEntry(): number {
    return this.layout.bitsPerEntry;
  }
  /** Returns the buffers to the pool; idempotent. */
  destroy(): void {
    if (this.freed) return;
    this.freed = true;
    this.owner.release(this.codes);
    this.owner.release(this.scales);
    this.owner.release(this.aux);
  }
}

/** Either operand of a GPU product: a dense f32 matrix or a quantized one. */
export type GpuOperand = GpuMatrix | GpuQuantizedMatrix;
