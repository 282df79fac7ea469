/**
 * The contract between a format's WGSL snippet and the kernel templates, checked without a GPU: the
 * format is composed into every module the engine can build for it (quantize, dequantize, and each
 * matmul template the planner picks: float and integer GEMM, the float, affine and integer GEMV bodies,
 * with and without subgroups), each module is reflected, and what the templates call must be there:
 *  - `decode8` always (and `decode` for single entries);
 *  - `int8x8` whenever the format claims `intBlocks`, `affine_codes8`, `affine_group` and `affine_units`
 *    whenever it claims `affineBlocks` (a snippet
 *    may define them for members that do not claim them: the planner then never calls them);
 *  - the three `encode_*_word` builders when it has a GPU encoder (the trellis search module when it has that);
 *  - every function a module calls with an operand prefix (`x_`, `w_`, `q_`) defined, every entry point
 *    the host dispatches present.
 * docs/adding-a-format.md lists the contract for a new family.
 */
import type { QuantFormat } from '../formats/format.js';
import { composeModule, type ComposeRequest, type SourceLookup } from '../gpu/compose.js';
import type { DeviceFeatures } from '../gpu/device.js';
import type { GpuRunner } from '../gpu/runner.js';
import { reflectModule } from '../gpu/reflect.js';
import { GpuMatrix, GpuQuantizedMatrix, type BufferOwner } from '../gpu/tensors.js';
import { dequantizeRequest } from './dequantize.js';
import { CPU_ADAPTER_TILES, GPU_TILES, planMatmul, type MatmulOptions, type PlanContext } from './plan.js';
import { quantizeRequest } from './quantize.js';
import { viterbiRequest } from './viterbi.js';

/** A module the engine would build for the format, what it is for, and the entry point the host dispatches. */
interface Built {
  readonly what: string;
  readonly request: ComposeRequest;
  readonly entries: readonly string[];
  /** Functions the template calls on the format's operand(s). */
  readonly needs: readonly string[];
  /** Bindings of its own the op gives besides TEMPLATE_BINDINGS (the Viterbi search's scratch and outputs). */
  readonly binds?: readonly string[];
}

const NO_BUFFER = null as unknown as GPUBuffer;
const OWNER: BufferOwner = { release: () => {} };

/** A planning context with generous limits and every optional feature, so each template variant is planned. */
function planContext(tiles = CPU_ADAPTER_TILES): PlanContext {
  const features: DeviceFeatures = { subgroups: true, dp4a: true, shaderF16: false, timestampQuery: false };
  const runner = {
    limits: { minStorageBufferOffsetAlignment: 256 },
    device: { limits: { maxComputeWorkgroupStorageSize: 65536, maxComputeInvocationsPerWorkgroup: 1024 } },
  } as unknown as GpuRunner;
  return { runner, features, tiles };
}

/** Every module the engine can build around `format` (K = 1024: no padding for the coded formats). */
function modulesFor(format: QuantFormat): Built[] {
  const K = 1024;
  const q = new GpuQuantizedMatrix(OWNER, format, 4, K, format.layout(K), NO_BUFFER, NO_BUFFER, NO_BUFFER);
  const f = new GpuMatrix(OWNER, 4, K, NO_BUFFER);
  const { intBlocks, affineBlocks } = format.wgsl;
  const built: Built[] = [
    { what: 'dequantize', request: dequantizeRequest(format), entries: ['dequantize'], needs: ['q_decode8'] },
  ];
  if (format.wgsl.encodeSnippet) {
    const passes = [
      'quantize_scales',
      'quantize_aux',
      'quantize_codes',
      ...(format.wgsl.needsTensorMax ? ['quantize_tensor_max'] : []),
    ];
    built.push({
      what: 'quantize',
      request: quantizeRequest(format),
      entries: passes,
      needs: ['q_encode_scales_word', 'q_encode_aux_word', 'q_encode_codes_word'],
    });
  }
  if (format.wgsl.viterbi)
    built.push({
      what: 'quantize (Viterbi search)',
      request: viterbiRequest(format),
      entries: ['viterbi'],
      needs: [],
      binds: ['codes', 'scales', 'states', 'back', 'spill'],
    });
  const AFFINE_NEEDS = ['w_affine_codes8', 'w_affine_group', 'w_affine_units'];
  const plans: [string, GpuMatrix | GpuQuantizedMatrix, number, MatmulOptions, string[]][] = [
    ['GEMM, weight-only', f, 64, {}, ['w_decode8']],
    ['GEMM, both operands, float path', q, 64, { integer: false }, ['x_decode8', 'w_decode8']],
    ['GEMV, weight-only, subgroups', f, 1, { subgroups: true }, affineBlocks ? AFFINE_NEEDS : ['w_decode8']],
    ['GEMV, weight-only, workgroup memory', f, 3, { subgroups: false }, affineBlocks ? AFFINE_NEEDS : ['w_decode8']],
    ['GEMV, both operands, float path', q, 2, { integer: false }, ['x_decode8', 'w_decode8']],
    ['naive', f, 8, { kernel: 'naive' }, ['w_decode']],
  ];
  if (intBlocks) {
    plans.push(
      ['GEMM, integer path', q, 64, { integer: true }, ['x_int8x8', 'w_int8x8']],
      ['GEMV, integer path, emulated DP4A', q, 2, { integer: true, dp4a: false }, ['x_int8x8', 'w_int8x8']],
    );
  }
  for (const [what, x, M, options, needs] of plans) {
    for (const tiles of what.startsWith('GEMM') ? [CPU_ADAPTER_TILES, GPU_TILES] : [CPU_ADAPTER_TILES]) {
      const plan = planMatmul(planContext(tiles), x, q, M, options);
      built.push({
        what: `${what} (${plan.request.template}${tiles === GPU_TILES ? ', GPU-class tile' : ''})`,
        request: plan.request,
        entries: [plan.entry],
        needs,
      });
    }
  }
  return built;
}

const FN = /\bfn\s+(\w+)\s*\(/g;
const STRUCT = /\bstruct\s+(\w+)\b/g;
// Functions are lower_snake after the prefix; constants (UPPER) are not calls.
const PREFIXED_CALL = /\b((?:x|w|q)_[a-z]\w*)\s*\(/g;
const stripComments = (code: string) => code.replace(/\/\/.*$/gm, '');

/** Names the host binds for an operand: its streams and meta uniform (quantized) or its data (f32). */
const OPERAND_BINDINGS = ['codes', 'scales', 'aux', 'meta', 'data'];
/** Names the templates bind for themselves (ops/*.ts give them). */
const TEMPLATE_BINDINGS = new Set(['params', 'y', 'out', 'src', 'src_data', 'src_meta', 'tensor_max']);

/** Reflection is the slow part (≈ 16 ms a module): identical modules are reflected once. */
const reflected = new Map<string, ReturnType<typeof reflectModule>>();

/**
 * Everything wrong with how `format` plugs into the templates (empty: it honours the contract).
 * `source` substitutes snippet text (tests break a snippet on purpose to see the check catch it).
 */
export function formatContractProblems(format: QuantFormat, source?: SourceLookup): string[] {
  const problems: string[] = [];
  for (const b of modulesFor(format)) {
    const where = `${format.id}, ${b.what}`;
    let code: string;
    try {
      code = composeModule(b.request, source).code;
    } catch (e) {
      problems.push(`${where}: does not compose: ${(e as Error).message}`);
      continue;
    }
    const bare = stripComments(code);
    const defined = new Set([...bare.matchAll(FN)].map((m) => m[1]));
    const structs = new Set([...bare.matchAll(STRUCT)].map((m) => m[1]));
    for (const need of b.needs)
      if (!defined.has(need))
        problems.push(`${where}: the template calls ${need}, which the format's snippet does not define`);
    const called = new Set([...bare.matchAll(PREFIXED_CALL)].map((m) => m[1]));
    for (const c of called)
      if (!defined.has(c) && !structs.has(c)) problems.push(`${where}: ${c}(…) is called but never defined`);
    for (const [fn, flag, claimed] of [
      ['int8x8', 'intBlocks', !!format.wgsl.intBlocks],
      ['affine_codes8', 'affineBlocks', !!format.wgsl.affineBlocks],
      ['affine_group', 'affineBlocks', !!format.wgsl.affineBlocks],
      ['affine_units', 'affineBlocks', !!format.wgsl.affineBlocks],
    ] as const) {
      for (const p of ['x', 'w', 'q']) {
        if (!Object.hasOwn(b.request.operands, p) || b.request.operands[p].wgsl !== format.wgsl) continue;
        if (claimed && !defined.has(`${p}_${fn}`))
          problems.push(`${where}: the format claims ${flag} but its snippet does not define ${p}_${fn}`);
      }
    }
    try {
      let entries = reflected.get(code);
      if (!entries) reflected.set(code, (entries = reflectModule(code)));
      const bindable = new Set([
        ...TEMPLATE_BINDINGS,
        ...(b.binds ?? []),
        ...Object.keys(b.request.operands).flatMap((p) => OPERAND_BINDINGS.map((n) => `${p}_${n}`)),
      ]);
      for (const e of b.entries) {
        const entry = entries.get(e);
        if (!entry) problems.push(`${where}: no entry point ${e}`);
        else
          for (const r of entry.resources)
            if (!bindable.has(r.name))
              problems.push(`${where}: entry ${e} binds '${r.name}', which the host never binds`);
      }
    } catch (e) {
      problems.push(`${where}: reflection failed: ${(e as Error).message}`);
    }
  }
  return problems;
}
