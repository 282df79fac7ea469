import type { WgslConstant, WgslSpec } from '../formats/format.js';
import { wgslSource } from './sources.js';

/**
 * Builds one WGSL module from a kernel template and the format snippets of its operands.
 *  - `#include "path"` pulls a shared snippet in once (first use wins, later includes are dropped).
 *  - Each operand's snippet is instantiated with its prefix: `FMT_` becomes `x_`, `w_`, `q_`...; the
 *    format's constants become `const x_BITS: u32 = 4u;` etc.; `FMT_ACCESS` becomes read/read_write.
 *  - `@binding(AUTO)` is numbered in order of appearance (group 0), so snippets need not agree on slots.
 * The bind-group layouts and uniform offsets are then reflected from the result (reflect.ts).
 */
export interface OperandSpec {
  readonly wgsl: WgslSpec;
  /** 'read' binds the streams read-only for decoding; 'read_write' also composes the encoder snippet. */
  readonly access: 'read' | 'read_write';
}

export interface ComposeRequest {
  readonly template: string;
  readonly operands: Readonly<Record<string, OperandSpec>>;
  /** Template specialisation (tile sizes, feature switches): emitted as `const NAME` before the template. */
  readonly constants?: Readonly<Record<string, WgslConstant>>;
  /** WGSL extensions the module needs (e.g. `subgroups`): emitted as `enable ...;` at the top. */
  readonly enables?: readonly string[];
  /** Snippets the host picks for this specialisation (e.g. a kernel body, DP4A or its emulation). */
  readonly includes?: readonly string[];
}

const INCLUDE = /^[ \t]*#include\s+"([^"]+)"[ \t]*$/gm;

function expandIncludes(text: string, seen: Set<string>): string {
  return text.replace(INCLUDE, (_m, path: string) => {
    if (seen.has(path)) return `// (${path} already included)`;
    seen.add(path);
    return `// ---- ${path} ----\n${expandIncludes(wgslSource(path), seen)}`;
  });
}

function f32Hex(v: number): string {
  return `bitcast<f32>(0x${new Uint32Array(new Float32Array([v]).buffer)[0].toString(16)}u)`;
}

function constantDecl(name: string, value: WgslConstant): string {
  if (typeof value === 'boolean') return `const ${name}: bool = ${value};`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`constant ${name}=${value} is not a u32`);
    return `const ${name}: u32 = ${value}u;`;
  }
  // f32 constants travel as bit patterns so the shader sees exactly the value the CPU uses.
  if ('f32' in value) return `const ${name}: f32 = ${f32Hex(value.f32)}; // ${value.f32}`;
  const n = value.f32array.length;
  return `const ${name} = array<f32, ${n}>(${value.f32array.map(f32Hex).join(', ')});`;
}

function instantiate(prefix: string, op: OperandSpec): string {
  const consts = Object.entries(op.wgsl.constants)
    .map(([k, v]) => constantDecl(`${prefix}_${k}`, v))
    .join('\n');
  const pieces: string[] = [consts];
  const emit = (path: string, to: string) =>
    `// ---- operand '${prefix}': ${path} as ${to} ----\n` + wgslSource(path).replace(/\bFMT_ACCESS\b/g, op.access).replace(/\bFMT_/g, `${to}_`);
  const parts = [...(op.wgsl.parts ?? []), ...(op.access === 'read_write' ? (op.wgsl.encodeParts ?? []) : [])];
  for (const part of parts) {
    if (typeof part === 'string') pieces.push(emit(part, prefix));
    else {
      const sub = `${prefix}_${part.as}`;
      pieces.push(Object.entries(part.constants).map(([k, v]) => constantDecl(`${sub}_${k}`, v)).join('\n'));
      pieces.push(emit(part.snippet, sub));
    }
  }
  pieces.push(emit(op.wgsl.snippet, prefix));
  if (op.access === 'read_write') {
    if (!op.wgsl.encodeSnippet) throw new Error(`format snippet ${op.wgsl.snippet} has no GPU encoder`);
    pieces.push(emit(op.wgsl.encodeSnippet, prefix));
  }
  return pieces.join('\n');
}

const UNROLL = /^[ \t]*#unroll[ \t]+(\w+)[ \t]+(\w+)[ \t]*$/;
const UNROLL_END = /^[ \t]*#end[ \t]*$/;

/**
 * Expands `#unroll NAME COUNT` … `#end` blocks (nestable): the lines between are repeated for NAME =
 * 0 … COUNT−1 with `{NAME}` replaced by the index; COUNT is a literal or one of the request's integer
 * constants. Register tiles on CPU-backed adapters need this: their shader compilers do not unroll
 * loops, so an array indexed by a loop variable lives in memory instead of registers.
 */
export function expandUnroll(text: string, constants: Readonly<Record<string, WgslConstant>>): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = UNROLL.exec(lines[i]);
    if (!m) {
      if (UNROLL_END.test(lines[i])) throw new Error(`#end without #unroll at line ${i + 1}`);
      out.push(lines[i]);
      continue;
    }
    let depth = 1;
    let j = i + 1;
    for (; j < lines.length && depth > 0; j++) {
      if (UNROLL.test(lines[j])) depth++;
      else if (UNROLL_END.test(lines[j]) && --depth === 0) break;
    }
    if (depth !== 0) throw new Error(`#unroll ${m[1]} ${m[2]} at line ${i + 1} has no #end`);
    const count = /^\d+$/.test(m[2]) ? Number(m[2]) : constants[m[2]];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw new Error(`#unroll count ${m[2]} is not an integer constant`);
    const body = lines.slice(i + 1, j).join('\n');
    for (let v = 0; v < count; v++) out.push(expandUnroll(body.replace(new RegExp(`\\{${m[1]}\\}`, 'g'), String(v)), constants));
    i = j;
  }
  return out.join('\n');
}

export function composeWgsl(req: ComposeRequest): string {
  const seen = new Set<string>();
  const head = (req.enables ?? []).map((e) => `enable ${e};`);
  head.push(...Object.entries(req.constants ?? {}).map(([k, v]) => constantDecl(k, v)));
  const parts = [head.join('\n'), expandIncludes(wgslSource(req.template), seen)];
  for (const path of req.includes ?? []) parts.push(expandIncludes(`#include "${path}"`, seen));
  for (const [prefix, op] of Object.entries(req.operands)) parts.push(expandIncludes(instantiate(prefix, op), seen));
  let slot = 0;
  return expandUnroll(parts.join('\n\n'), req.constants ?? {}).replace(/@binding\(AUTO\)/g, () => `@binding(${slot++})`);
}

/** Cache key of a composed module: everything that changes its text. */
export function composeKey(req: ComposeRequest): string {
  const ops = Object.entries(req.operands)
    .map(([p, o]) => `${p}:${JSON.stringify(o.wgsl.parts ?? [])}:${JSON.stringify(o.wgsl.encodeParts ?? [])}:${o.wgsl.snippet}:${o.wgsl.encodeSnippet ?? ''}:${o.access}:${JSON.stringify(o.wgsl.constants)}`)
    .join('|');
  return `${req.template}|${JSON.stringify(req.constants ?? {})}|${(req.enables ?? []).join(',')}|${(req.includes ?? []).join(',')}|${ops}`;
}
