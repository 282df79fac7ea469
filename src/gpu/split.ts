import { DeviceLimitError } from '../errors.js';
import type { BufferWindow } from './pipelines.js';

/**
 * Splitting work to fit device limits. A kernel never binds more than maxStorageBufferBindingSize
 * bytes of one buffer and never dispatches more than maxComputeWorkgroupsPerDimension workgroups along
 * an axis; larger work is cut into row ranges, each bound as an aligned window with a base offset.
 */
export interface PlannerLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly minStorageBufferOffsetAlignment: number;
  readonly maxBufferSize: number;
}

/** A bound range of a buffer plus the element index (in 4-byte units) where the wanted data starts. */
export interface Window extends BufferWindow {
  readonly base: number;
}

/** Binds elements [start, start+count) (4-byte elements) of `buffer`, aligned as the device requires. */
export function windowOf(buffer: GPUBuffer, start: number, count: number, limits: PlannerLimits): Window {
  const align = limits.minStorageBufferOffsetAlignment;
  const offset = Math.floor((start * 4) / align) * align;
  const base = start - offset / 4;
  const size = Math.max(4, (base + count) * 4);
  if (size > limits.maxStorageBufferBindingSize) {
    throw new DeviceLimitError(
      `internal: window of ${size} bytes exceeds maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize}`,
    );
  }
  if (offset + size > buffer.size)
    throw new DeviceLimitError(`internal: window [${offset}, ${offset + size}) past buffer end ${buffer.size}`);
  return { buffer, offset, size, base };
}

/** Largest number of rows of `wordsPerRow` 4-byte words that always fits one binding window. */
export function rowsPerWindow(wordsPerRow: number, limits: PlannerLimits, what: string): number {
  const usable = limits.maxStorageBufferBindingSize - limits.minStorageBufferOffsetAlignment;
  const rows = Math.floor(usable / (Math.max(1, wordsPerRow) * 4));
  if (rows < 1) {
    throw new DeviceLimitError(
      `${what}: one row needs ${wordsPerRow * 4} bytes, more than a storage binding allows ` +
        `(${limits.maxStorageBufferBindingSize} bytes minus alignment); ` +
        `split K into smaller matrices or raise maxStorageBufferBindingSize`,
    );
  }
  return rows;
}

/** Splits [0, total) into consecutive ranges of at most `step`. */
export function* ranges(total: number, step: number): Generator<[number, number]> {
  for (let s = 0; s < total; s += step) yield [s, Math.min(total, s + step)];
}

export function checkBufferSize(bytes: number, limits: PlannerLimits, what: string): void {
  if (bytes > limits.maxBufferSize) {
    throw new DeviceLimitError(
      `${what} needs a ${bytes}-byte buffer; this device allows ${limits.maxBufferSize} (maxBufferSize). Split ` +
        `the matrix by rows.`,
    );
  }
}
