/**
 * What the `wqe` commands share (cli.ts, cli-graph.ts): exit codes, the error that carries one, and the
 * markdown tables their reports print.
 */

/**
 * Exit codes: 0 success, 1 internal error (a bug: please report it), 2 usage, 3 bad input, 4 output failure,
 * 5 no WebGPU adapter (run, ocr).
 */
export const EXIT = { ok: 0, internal: 1, usage: 2, input: 3, output: 4, noGpu: 5 } as const;

/** A failure the user can act on, with the exit code it maps to. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** A markdown table: the first `leftColumns` columns left-aligned, the rest right-aligned (numbers). */
export function markdownTable(head: readonly string[], cells: readonly string[][], leftColumns = head.length): string {
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]) =>
    `| ${c.map((v, i) => (i < leftColumns ? v.padEnd(w[i]) : v.padStart(w[i]))).join(' | ')} |`;
  return [
    line(head),
    `|${w.map((n, i) => (i < leftColumns ? `:${'-'.repeat(n + 1)}` : `${'-'.repeat(n + 1)}:`)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}
