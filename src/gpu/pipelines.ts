import { InternalError, ShaderCompileError } from '../errors.js';
import { composeKey, composeModule, type ComposeRequest, type LineOrigin } from './compose.js';
import { packUniform, reflectModule, type EntryReflection } from './reflect.js';

/** A compute pipeline with its reflected interface and the layout built from it. */
export interface Kernel {
  readonly entry: EntryReflection;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** A buffer range bound to one storage slot. */
export interface BufferWindow {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

/**
 * Compiles each (template, operand formats) combination once. Keyed by the composed module's
 * specialisation key; one pipeline per entry point, with an explicit layout made from reflection.
 */
export class PipelineCache {
  private readonly modules = new Map<
    string,
    {
      code: string;
      origins: readonly LineOrigin[];
      entries: Map<string, EntryReflection>;
      module: GPUShaderModule;
      checked: boolean;
    }
  >();
  private readonly kernels = new Map<string, Kernel>();

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.kernels.size;
  }

  async kernel(req: ComposeRequest, entryPoint: string): Promise<Kernel> {
    const key = `${composeKey(req)}#${entryPoint}`;
    const hit = this.kernels.get(key);
    if (hit) return hit;
    const mod = this.module(req);
    if (!mod.checked) {
      // Surface WGSL compile errors with their lines instead of an opaque "invalid pipeline" later.
      const info = await mod.module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length) {
        this.modules.delete(composeKey(req)); // a broken module is never reused
        throw compileError(req, mod.code, mod.origins, errors);
      }
      mod.checked = true;
    }
    const entry = mod.entries.get(entryPoint);
    if (!entry) throw new InternalError(`template ${req.template} has no compute entry point '${entryPoint}'`);
    const layout = this.device.createBindGroupLayout({
      label: key,
      entries: entry.resources.map((r) => ({
        binding: r.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: r.kind },
      })),
    });
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module: mod.module, entryPoint },
    });
    const k = { entry, pipeline, layout };
    this.kernels.set(key, k);
    return k;
  }

  /** The composed WGSL text (for debugging and for tests of the composer). */
  code(req: ComposeRequest): string {
    return this.module(req).code;
  }

  private module(req: ComposeRequest) {
    const key = composeKey(req);
    let m = this.modules.get(key);
    if (!m) {
      const { code, origins } = composeModule(req);
      m = {
        code,
        origins,
        entries: reflectModule(code),
        module: this.device.createShaderModule({ label: req.template, code }),
        checked: false,
      };
      this.modules.set(key, m);
    }
    return m;
  }
}

/**
 * A compile error of a composed module, located in the snippet each message came from: the first in
 * `file`/`line`, all of them in the message (file:line, the message, the offending composed line).
 */
export function compileError(
  req: ComposeRequest,
  code: string,
  origins: readonly LineOrigin[],
  errors: readonly Pick<GPUCompilationMessage, 'lineNum' | 'message'>[],
): ShaderCompileError {
  const lines = code.split('\n');
  const at = (n: number) => origins[n - 1] ?? { file: '(composed)', line: 0 };
  const detail = errors
    .map(
      (e) =>
        `  ${at(e.lineNum).file}:${at(e.lineNum).line} (composed line ${e.lineNum}): ${e.message}\n      ` +
        `${(lines[e.lineNum - 1] ?? '').trim()}`,
    )
    .join('\n');
  const first = at(errors[0].lineNum);
  const operands = Object.entries(req.operands)
    .map(([p, o]) => `${p}: ${o.wgsl.snippet}`)
    .join(', ');
  return new ShaderCompileError(
    first.file,
    first.line,
    errors[0].lineNum,
    `WGSL compile error in ${req.template}${operands ? ` (${operands})` : ''} at ` +
      `${first.file}:${first.line}:\n${detail}`,
  );
}

/**
 * Records one dispatch: uniforms are written by field name into fresh small buffers, storage slots
 * are bound by name. Every resource the entry point uses must be given, and nothing else.
 */
export function encodeDispatch(
  device: GPUDevice,
  pass: GPUComputePassEncoder,
  kernel: Kernel,
  storage: Readonly<Record<string, BufferWindow>>,
  uniforms: Readonly<Record<string, Readonly<Record<string, number>>>>,
  workgroups: readonly [number, number, number],
  transient: GPUBuffer[],
): void {
  const given = new Set([...Object.keys(storage), ...Object.keys(uniforms)]);
  const entries: GPUBindGroupEntry[] = [];
  for (const r of kernel.entry.resources) {
    given.delete(r.name);
    if (r.kind === 'uniform') {
      const values = uniforms[r.name];
      if (!values) throw new InternalError(`${kernel.entry.name}: uniform '${r.name}' not given`);
      const data = packUniform(r, values);
      const buf = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
      new Uint8Array(buf.getMappedRange()).set(new Uint8Array(data));
      buf.unmap();
      transient.push(buf);
      entries.push({ binding: r.binding, resource: { buffer: buf } });
    } else {
      const w = storage[r.name];
      if (!w) throw new InternalError(`${kernel.entry.name}: storage buffer '${r.name}' not given`);
      entries.push({ binding: r.binding, resource: { buffer: w.buffer, offset: w.offset, size: w.size } });
    }
  }
  // Extra names are tolerated only for resources this entry point does not use (e.g. the aux stream
  // of a symmetric format in the scales pass); anything else is a host/shader mismatch.
  pass.setPipeline(kernel.pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: kernel.layout, entries }));
  pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
}
