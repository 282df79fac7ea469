/**
 * The one place GPU work is issued. An op (src/ops/) describes its work as steps — a kernel, the axes of
 * its grid and how to bind one window of it — and the runner splits each axis into windows that fit the
 * device limits, encodes every dispatch into one compute pass, submits, and turns GPU errors and device
 * loss into typed errors. Ops never dispatch by themselves and never see the limits; the runner never
 * knows about formats.
 *
 * Error scopes are pushed, the work encoded and submitted, and the scopes popped in one synchronous
 * stretch, so two ops awaited side by side never see each other's errors.
 */
import { DeviceLostError, GpuExecutionError, QuantEngineError } from '../errors.js';
import { BufferPool, readBuffer, writeBuffer, type MemoryStats } from './buffers.js';
import { describeFeatures, type DeviceFeatures } from './device.js';
import { encodeDispatch, PipelineCache, type BufferWindow, type Kernel } from './pipelines.js';
import { checkBufferSize, ranges, rowsPerWindow, windowOf, type PlannerLimits, type Window } from './split.js';
import { POISON_BITS, type BufferOwner } from './tensors.js';

/** One axis of a step's grid: `total` items, at most `step` of them per window. */
export interface Axis {
  readonly total: number;
  readonly step: number;
}

/** What one dispatch binds and how many workgroups it launches. */
export interface DispatchArgs {
  readonly storage: Readonly<Record<string, BufferWindow>>;
  readonly uniforms: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly workgroups: readonly [number, number, number];
}

/**
 * One kernel over a grid: the runner visits every combination of the axes' windows (first axis
 * outermost) and calls `dispatch` with their [start, end) ranges. Steps run in order, each over its
 * whole grid, so a later step sees everything an earlier one wrote.
 */
export interface Step {
  readonly kernel: Kernel;
  readonly axes: readonly Axis[];
  dispatch(ranges: readonly (readonly [number, number])[]): DispatchArgs;
}

export interface RunnerOptions {
  /** Lower the limits work is split by (never above the device's); tests force small windows with it. */
  readonly limits?: Partial<Pick<PlannerLimits, 'maxStorageBufferBindingSize' | 'maxComputeWorkgroupsPerDimension'>>;
  /** Debug: fill every output buffer with NaN bits before a kernel writes it (tests check full writes). */
  readonly poisonOutputs?: boolean;
}

function* grid(
  axes: readonly Axis[],
  at = 0,
  prefix: (readonly [number, number])[] = [],
): Generator<(readonly [number, number])[]> {
  if (at === axes.length) {
    yield prefix;
    return;
  }
  for (const r of ranges(axes[at].total, Math.max(1, axes[at].step))) yield* grid(axes, at + 1, [...prefix, r]);
}

export class GpuRunner implements BufferOwner {
  readonly features: DeviceFeatures;
  readonly limits: PlannerLimits;
  readonly pipelines: PipelineCache;
  private readonly pool: BufferPool;
  private readonly poison: boolean;
  private lostInfo: GPUDeviceLostInfo | null = null;
  private destroyed = false;
  /** Error-scope results of allocations not yet reported (checked with the next run or read). */
  private pendingChecks: Promise<GPUError | null>[] = [];

  constructor(
    readonly device: GPUDevice,
    options: RunnerOptions = {},
    gpu?: GPU,
  ) {
    this.features = describeFeatures(device, gpu);
    const dl = device.limits;
    const ol = options.limits ?? {};
    this.limits = {
      maxStorageBufferBindingSize: Math.min(dl.maxStorageBufferBindingSize, ol.maxStorageBufferBindingSize ?? Infinity),
      maxComputeWorkgroupsPerDimension: Math.min(
        dl.maxComputeWorkgroupsPerDimension,
        ol.maxComputeWorkgroupsPerDimension ?? Infinity,
      ),
      minStorageBufferOffsetAlignment: dl.minStorageBufferOffsetAlignment,
      maxBufferSize: dl.maxBufferSize,
    };
    this.pipelines = new PipelineCache(device);
    this.pool = new BufferPool(device);
    this.poison = options.poisonOutputs ?? false;
    void device.lost.then((info) => {
      this.lostInfo = info;
    });
  }

  /** True once the device was lost or the runner destroyed. */
  get isLost(): boolean {
    return this.lostInfo !== null || this.destroyed;
  }

  assertAlive(): void {
    if (this.lostInfo) throw new DeviceLostError(this.lostInfo.reason, this.lostInfo.message || 'no message');
    if (this.destroyed)
      throw new QuantEngineError('DESTROYED', 'this engine was destroyed; create a new one with createEngine()');
  }

  /**
   * The loss info when the device is lost or about to be reported lost: a failure in flight (a rejected
   * mapAsync) can arrive a moment before `device.lost` resolves, so wait briefly for it.
   */
  private async lostNow(): Promise<GPUDeviceLostInfo | null> {
    if (this.lostInfo) return this.lostInfo;
    const info = await Promise.race([this.device.lost, new Promise<null>((r) => setTimeout(() => r(null), 250))]);
    if (info) this.lostInfo = info;
    return info;
  }

  /** Throws the typed error for what the scopes caught (allocations included), or DeviceLostError. */
  private async report(what: string, scopes: Promise<GPUError | null>[]): Promise<void> {
    const errors = await Promise.all(scopes).catch(() => [] as (GPUError | null)[]);
    if (this.lostInfo) throw new DeviceLostError(this.lostInfo.reason, this.lostInfo.message || `lost during ${what}`);
    const err = errors.find((e) => e);
    if (err) throw new GpuExecutionError(`${what}: ${err.message}`);
  }

  /**
   * A buffer of at least `bytes` from the pool (poisoned when the runner poisons outputs and `poison` is
   * set); `exact`: exactly the storage size, not a size class (BufferPool.acquire).
   */
  allocate(bytes: number, what: string, poison: boolean, exact = false): GPUBuffer {
    checkBufferSize(bytes, this.limits, what);
    this.device.pushErrorScope('out-of-memory');
    const buf = this.pool.acquire(bytes, what, exact);
    this.pendingChecks.push(this.device.popErrorScope());
    if (poison && this.poison) writeBuffer(this.device, buf, new Uint32Array(buf.size / 4).fill(POISON_BITS));
    return buf;
  }

  /** Returns a buffer to the pool (a no-op once the runner is destroyed). */
  release(buffer: GPUBuffer): void {
    if (!this.destroyed) this.pool.release(buffer);
  }

  /** A pooled buffer holding `data` (`exact`: see allocate). */
  upload(data: ArrayBufferView, what: string, bytes = data.byteLength, exact = false): GPUBuffer {
    const buf = this.allocate(bytes, what, false, exact);
    if (data.byteLength) writeBuffer(this.device, buf, data);
    return buf;
  }

  /** An exact-size buffer holding the first `bytes` of `buffer`, which goes back to the pool. */
  compact(buffer: GPUBuffer, bytes: number, what: string): GPUBuffer {
    const out = this.allocate(bytes, what, false, true);
    const enc = this.device.createCommandEncoder({ label: `compact ${what}` });
    enc.copyBufferToBuffer(buffer, 0, out, 0, out.size);
    this.device.queue.submit([enc.finish()]);
    this.release(buffer);
    return out;
  }

  /** `bytes` bytes of `buffer` on the CPU; device loss during the read is a DeviceLostError. */
  async read(buffer: GPUBuffer, bytes: number, what: string, offset = 0): Promise<ArrayBuffer> {
    this.assertAlive();
    const checks = this.pendingChecks.splice(0);
    try {
      const data = await readBuffer(this.device, buffer, bytes, offset);
      await this.report(what, checks);
      return data;
    } catch (e) {
      const lost = e instanceof QuantEngineError ? null : await this.lostNow();
      if (lost) throw new DeviceLostError(lost.reason, lost.message || String(e));
      throw e;
    }
  }

  /** Binds elements [start, start + count) of `buffer` as a window the device accepts. */
  window(buffer: GPUBuffer, start: number, count: number): Window {
    return windowOf(buffer, start, count, this.limits);
  }

  /** Rows of `words` 4-byte words that always fit one binding window (DeviceLimitError if not even one). */
  rowsPerBinding(words: number, what: string): number {
    return rowsPerWindow(words, this.limits, what);
  }

  /** Rows per window such that every listed row (4-byte words per row) fits one binding and the grid's y axis. */
  rowStep(...rows: readonly (readonly [words: number, what: string])[]): number {
    return Math.min(
      this.limits.maxComputeWorkgroupsPerDimension,
      ...rows.map(([words, what]) => rowsPerWindow(words, this.limits, what)),
    );
  }

  /** Items per window along a workgroup-count axis: `perGroup` items per workgroup, at most maxDim workgroups. */
  groupStep(perGroup: number): number {
    return perGroup * this.limits.maxComputeWorkgroupsPerDimension;
  }

  /**
   * Encodes `steps` (each over all its windows) into one compute pass and submits it; resolves when the
   * device has checked the work, with GpuExecutionError for validation or out-of-memory errors and
   * DeviceLostError when the device went away.
   */
  async run(what: string, steps: readonly Step[]): Promise<void> {
    this.assertAlive();
    const checks = this.pendingChecks.splice(0);
    const transient: GPUBuffer[] = [];
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    try {
      const enc = this.device.createCommandEncoder({ label: what });
      const pass = enc.beginComputePass();
      for (const step of steps) {
        for (const rs of grid(step.axes)) {
          const d = step.dispatch(rs);
          encodeDispatch(this.device, pass, step.kernel, d.storage, d.uniforms, d.workgroups, transient);
        }
      }
      pass.end();
      this.device.queue.submit([enc.finish()]);
    } finally {
      checks.push(this.device.popErrorScope(), this.device.popErrorScope());
      for (const b of transient) b.destroy();
    }
    await this.report(what, checks);
  }

  /** Waits until all submitted GPU work is done. */
  async sync(): Promise<void> {
    this.assertAlive();
    await this.device.queue.onSubmittedWorkDone();
    await this.report('sync', this.pendingChecks.splice(0));
  }

  /** GPU memory held by the pool's buffers: live (held by matrices not yet destroyed) and pooled for reuse. */
  memory(): MemoryStats {
    return this.pool.stats();
  }

  /** Frees pooled buffers; the runner is unusable afterwards. */
  destroy(): void {
    if (this.destroyed) return;
    this.pool.destroy();
    this.destroyed = true;
  }
}
