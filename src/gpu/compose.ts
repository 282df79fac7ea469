import { FormatError, InternalError } from '../errors.js';
import type { WgslConstant, WgslSpec } from '../formats/format.js';
import { wgslSource } from './sources.js';

/**
 * Builds one WGSL module from a kernel template and the format snippets of its operands
 * (docs/kernels.md, *Composition*).
 *  - `#include "path"` pulls a shared snippet in once (first use wins, later includes are dropped).
 *  - Each operand's snippet is instantiated with its prefix: `FMT_` becomes `x_`, `w_`, `q_`...; the
 *    format's constants become `const x_BITS: u32 = 4u;` etc.; `FMT_ACCESS` becomes read/read_write.
 *  - `#unroll` / `#each` blocks repeat lines (expandUnroll).
 *  - `@binding(AUTO)` is numbered in order of appearance (group 0), so snippets need not agree on slots.
 * Every composed line remembers the snippet file and line it came from, so a compile error names the
 * source a developer edits. The bind-group layouts and uniform offsets are then reflected from the
 * result (reflect.ts).
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

/** Where a composed line came from: a file under shaders/ (or `(composed)` for generated lines) and its line. */
export interface LineOrigin {
  readonly file: string;
  readonly line: number;
}

/** A composed module and the origin of each of its lines. */
export interface ComposedModule {
  readonly code: string;
  readonly origins: readonly LineOrigin[];
}

/** Reads a snippet by its path under shaders/ (tests substitute their own). */
export type SourceLookup = (path: string) => string;

interface Line {
  text: string;
  readonly origin: LineOrigin;
}

const INCLUDE = /^[ \t]*#include\s+"([^"]+)"[ \t]*$/;
const GENERATED = '(composed)';

const generated = (text: string): Line[] =>
  text.split('\n').map((t) => ({ text: t, origin: { file: GENERATED, line: 0 } }));

function load(path: string, source: SourceLookup): Line[] {
  return source(path)
    .split('\n')
    .map((text, i) => ({ text, origin: { file: `shaders/${path}`, line: i + 1 } }));
}

function expandIncludes(lines: readonly Line[], seen: Set<string>, source: SourceLookup): Line[] {
  return lines.flatMap((l) => {
    const m = INCLUDE.exec(l.text);
    if (!m) return [l];
    const path = m[1];
    if (seen.has(path)) return [{ text: `// (${path} already included)`, origin: l.origin }];
    seen.add(path);
    return [{ text: `// ---- ${path} ----`, origin: l.origin }, ...expandIncludes(load(path, source), seen, source)];
  });
}

function f32Hex(v: number): string {
  return `bitcast<f32>(0x${new Uint32Array(new Float32Array([v]).buffer)[0].toString(16)}u)`;
}

function constantDecl(name: string, value: WgslConstant): string {
  if (typeof value === 'boolean') return `const ${name}: bool = ${value};`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      throw new InternalError(`WGSL constant ${name}=${value} is not a u32`);
    return `const ${name}: u32 = ${value}u;`;
  }
  // f32 constants travel as bit patterns so the shader sees exactly the value the CPU uses.
  if ('f32' in value) return `const ${name}: f32 = ${f32Hex(value.f32)}; // ${value.f32}`;
  const n = value.f32array.length;
  return `const ${name} = array<f32, ${n}>(${value.f32array.map(f32Hex).join(', ')});`;
}

const constantLines = (prefix: string, constants: Readonly<Record<string, WgslConstant>>) =>
  generated(
    Object.entries(constants)
      .map(([k, v]) => constantDecl(`${prefix}${k}`, v))
      .join('\n'),
  );

function instantiate(prefix: string, op: OperandSpec, source: SourceLookup): Line[] {
  const emit = (path: string, to: string): Line[] => [
    ...generated(`// ---- operand '${prefix}': ${path} as ${to} ----`),
    ...load(path, source).map((l) => ({
      text: l.text.replace(/\bFMT_ACCESS\b/g, op.access).replace(/\bFMT_/g, `${to}_`),
      origin: l.origin,
    })),
  ];
  const out: Line[] = constantLines(`${prefix}_`, op.wgsl.constants);
  const parts = [...(op.wgsl.parts ?? []), ...(op.access === 'read_write' ? (op.wgsl.encodeParts ?? []) : [])];
  for (const part of parts) {
    if (typeof part === 'string') out.push(...emit(part, prefix));
    else {
      const sub = `${prefix}_${part.as}`;
      out.push(...constantLines(`${sub}_`, part.constants), ...emit(part.snippet, sub));
    }
  }
  out.push(...emit(op.wgsl.snippet, prefix));
  if (op.access === 'read_write') {
    if (!op.wgsl.encodeSnippet) throw new FormatError(`format snippet ${op.wgsl.snippet} has no GPU encoder`);
    out.push(...emit(op.wgsl.encodeSnippet, prefix));
  }
  return out;
}

const UNROLL = /^[ \t]*#unroll[ \t]+(\w+)[ \t]+(\w+)[ \t]*$/;
const EACH = /^[ \t]*#each[ \t]+([\w,]+)((?:[ \t]+[\w,]+)+)[ \t]*$/;
const REPEAT_END = /^[ \t]*#end[ \t]*$/;

/** The substitutions of one repetition block: one binding of its names per repetition. */
function repetitions(
  unroll: RegExpExecArray | null,
  each: RegExpExecArray | null,
  constants: Readonly<Record<string, WgslConstant>>,
  where: string,
): Record<string, string>[] {
  if (unroll) {
    const count = /^\d+$/.test(unroll[2]) ? Number(unroll[2]) : constants[unroll[2]];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
      throw new InternalError(`WGSL ${where}: #unroll count ${unroll[2]} is not an integer constant`);
    return Array.from({ length: count }, (_, v) => ({ [unroll[1]]: String(v) }));
  }
  const names = each![1].split(',');
  return each![2]
    .trim()
    .split(/[ \t]+/)
    .map((tuple) => {
      const values = tuple.split(',');
      if (values.length !== names.length)
        throw new InternalError(
          `WGSL ${where}: #each ${each![1]}: '${tuple}' has ${values.length} values for ${names.length} names`,
        );
      return Object.fromEntries(names.map((n, k) => [n, values[k]]));
    });
}

function expandLines(lines: readonly Line[], constants: Readonly<Record<string, WgslConstant>>): Line[] {
  const out: Line[] = [];
  for (let i = 0; i < lines.length; i++) {
    const where = `${lines[i].origin.file}:${lines[i].origin.line}`;
    const unroll = UNROLL.exec(lines[i].text);
    const each = unroll ? null : EACH.exec(lines[i].text);
    if (!unroll && !each) {
      if (REPEAT_END.test(lines[i].text)) throw new InternalError(`WGSL ${where}: #end without #unroll/#each`);
      out.push(lines[i]);
      continue;
    }
    let depth = 1;
    let j = i + 1;
    for (; j < lines.length && depth > 0; j++) {
      if (UNROLL.test(lines[j].text) || EACH.test(lines[j].text)) depth++;
      else if (REPEAT_END.test(lines[j].text) && --depth === 0) break;
    }
    if (depth !== 0) throw new InternalError(`WGSL ${where}: ${lines[i].text.trim()} has no #end`);
    const body = lines.slice(i + 1, j);
    for (const b of repetitions(unroll, each, constants, where)) {
      const substituted = body.map((l) => ({
        text: l.text.replace(/\{(\w+)\}/g, (m, n: string) => (Object.hasOwn(b, n) ? b[n] : m)),
        origin: l.origin,
      }));
      out.push(...expandLines(substituted, constants));
    }
    i = j;
  }
  return out;
}

/**
 * Expands the composer's two repetition blocks (nestable, each closed by `#end`):
 *  - `#unroll NAME COUNT`: the lines between are repeated for NAME = 0 … COUNT−1 with `{NAME}` replaced
 *    by the index; COUNT is a literal or one of the request's integer constants. Register tiles on
 *    CPU-backed adapters need this: their shader compilers do not unroll loops, so an array indexed by
 *    a loop variable lives in memory instead of registers.
 *  - `#each a,b x,1 w,2`: the lines are repeated once per value tuple with `{a}`, `{b}` replaced — one
 *    source for code that differs only by operand (the X and W staging of the GEMM templates).
 */
export function expandUnroll(text: string, constants: Readonly<Record<string, WgslConstant>>): string {
  return expandLines(generated(text), constants)
    .map((l) => l.text)
    .join('\n');
}

/** The composed module of a request, with each line's origin. */
export function composeModule(req: ComposeRequest, source: SourceLookup = wgslSource): ComposedModule {
  const seen = new Set<string>();
  const head = [
    ...(req.enables ?? []).map((e) => `enable ${e};`),
    ...Object.entries(req.constants ?? {}).map(([k, v]) => constantDecl(k, v)),
  ];
  const lines = [...generated(head.join('\n')), ...expandIncludes(load(req.template, source), seen, source)];
  for (const path of req.includes ?? []) lines.push(...expandIncludes(generated(`#include "${path}"`), seen, source));
  for (const [prefix, op] of Object.entries(req.operands))
    lines.push(...expandIncludes(instantiate(prefix, op, source), seen, source));
  let slot = 0;
  const expanded = expandLines(lines, req.constants ?? {});
  return {
    code: expanded.map((l) => l.text.replace(/@binding\(AUTO\)/g, () => `@binding(${slot++})`)).join('\n'),
    origins: expanded.map((l) => l.origin),
  };
}

/** The composed WGSL text of a request. */
export function composeWgsl(req: ComposeRequest, source?: SourceLookup): string {
  return composeModule(req, source).code;
}

/** Cache key of a composed module: everything that changes its text. */
export function composeKey(req: ComposeRequest): string {
  const ops = Object.entries(req.operands)
    .map(([p, o]) =>
      [p, JSON.stringify(o.wgsl.parts ?? []), JSON.stringify(o.wgsl.encodeParts ?? []), o.wgsl.snippet]
        .concat([o.wgsl.encodeSnippet ?? '', o.access, JSON.stringify(o.wgsl.constants)])
        .join(':'),
    )
    .join('|');
  const constants = JSON.stringify(req.constants ?? {});
  const head = [req.template, constants, (req.enables ?? []).join(','), (req.includes ?? []).join(',')];
  return [...head, ops].join('|');
}
