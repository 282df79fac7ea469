/**
 * Buffer helpers: upload, readback, and a pool that recycles storage buffers by size class so
 * repeated matmuls do not churn allocations.
 */
// STORAGE | COPY_SRC | COPY_DST, by the values the WebGPU spec fixes, so this module loads where no
// GPUBufferUsage global exists (Node without the `webgpu` package: the CLI's CPU fallback).
const STORAGE_USAGE = 0x80 | 0x04 | 0x08;

/** Storage buffers must have a nonzero size that is a multiple of 4. */
export function storageSize(bytes: number): number {
  return Math.max(4, Math.ceil(bytes / 4) * 4);
}

/** GPU memory an engine holds: buffers handed out (live) and kept for reuse (pooled). */
export interface MemoryStats {
  liveBuffers: number;
  liveBytes: number;
  pooledBuffers: number;
  pooledBytes: number;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private live = 0;
  private liveBytes = 0;
  private pooled = 0;
  private pooledBytes = 0;

  constructor(private readonly device: GPUDevice) {}

  /** Size classes are powers of two from 256 B, then multiples of 1 MiB past 1 MiB. */
  static sizeClass(bytes: number): number {
    const b = storageSize(bytes);
    if (b <= 1 << 20) return Math.max(256, 2 ** Math.ceil(Math.log2(b)));
    return Math.ceil(b / (1 << 20)) * (1 << 20);
  }

  /**
   * A buffer of at least `bytes`: a pooled one of its size class, or with `exact` a new one of exactly the
   * storage size (for what lives as long as a loaded model: its weights, constants and activation plan; a
   * size class would add up to half again). Released exact buffers that match no class are destroyed.
   */
  acquire(bytes: number, label?: string, exact = false): GPUBuffer {
    const size = exact ? storageSize(bytes) : BufferPool.sizeClass(bytes);
    const list = this.free.get(size);
    this.live++;
    this.liveBytes += size;
    const reused = list?.pop();
    if (reused) {
      this.pooled--;
      this.pooledBytes -= size;
      return reused;
    }
    return this.device.createBuffer({ size, usage: STORAGE_USAGE, label });
  }

  release(buf: GPUBuffer): void {
    this.live--;
    this.liveBytes -= buf.size;
    if (buf.size !== BufferPool.sizeClass(buf.size)) {
      buf.destroy();
      return;
    }
    this.pooled++;
    this.pooledBytes += buf.size;
    const list = this.free.get(buf.size) ?? [];
    list.push(buf);
    this.free.set(buf.size, list);
  }

  /** Buffers handed out and not yet released. */
  get liveCount(): number {
    return this.live;
  }

  stats(): MemoryStats {
    return {
      liveBuffers: this.live,
      liveBytes: this.liveBytes,
      pooledBuffers: this.pooled,
      pooledBytes: this.pooledBytes,
    };
  }

  destroy(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooled = 0;
    this.pooledBytes = 0;
  }
}

export function writeBuffer(device: GPUDevice, buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength) as Uint8Array<ArrayBuffer>;
  // writeBuffer needs a multiple-of-4 size; pad a copy when needed.
  if (bytes.byteLength % 4 === 0) device.queue.writeBuffer(buffer, offset, bytes);
  else {
    const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
    padded.set(bytes);
    device.queue.writeBuffer(buffer, offset, padded);
  }
}

/** Copies `bytes` bytes from `buffer` (at `offset`) to the CPU. */
export async function readBuffer(
  device: GPUDevice,
  buffer: GPUBuffer,
  bytes: number,
  offset = 0,
): Promise<ArrayBuffer> {
  const size = storageSize(bytes);
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, offset, staging, 0, size);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return staging.getMappedRange().slice(0, bytes);
  } finally {
    staging.destroy();
  }
}
