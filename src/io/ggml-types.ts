/**
 * ggml's tensor types as GGUF files number them: one row per type, its block (elements per block) and
 * the bytes one block takes. A tensor of type t with ne[0] elements per row takes
 * ne[0] / block · bytes bytes per row; ne[0] must be a multiple of the block. Sizes from ggml's type
 * traits (docs/interop.md lists the layouts of the types the engine decodes).
 */

/** One ggml tensor type. */
export interface GgmlType {
  readonly id: number;
  /** ggml's name (`q4_0`, `q2_K`, `iq4_nl`…). */
  readonly name: string;
  /** Elements per block (1 for the plain types). */
  readonly block: number;
  /** Bytes per block. */
  readonly bytes: number;
}

const ROWS: readonly [number, string, number, number][] = [
  [0, 'f32', 1, 4],
  [1, 'f16', 1, 2],
  [2, 'q4_0', 32, 18],
  [3, 'q4_1', 32, 20],
  [6, 'q5_0', 32, 22],
  [7, 'q5_1', 32, 24],
  [8, 'q8_0', 32, 34],
  [9, 'q8_1', 32, 36],
  [10, 'q2_K', 256, 84],
  [11, 'q3_K', 256, 110],
  [12, 'q4_K', 256, 144],
  [13, 'q5_K', 256, 176],
  [14, 'q6_K', 256, 210],
  [15, 'q8_K', 256, 292],
  [16, 'iq2_xxs', 256, 66],
  [17, 'iq2_xs', 256, 74],
  [18, 'iq3_xxs', 256, 98],
  [19, 'iq1_s', 256, 50],
  [20, 'iq4_nl', 32, 18],
  [21, 'iq3_s', 256, 110],
  [22, 'iq2_s', 256, 82],
  [23, 'iq4_xs', 256, 136],
  [24, 'i8', 1, 1],
  [25, 'i16', 1, 2],
  [26, 'i32', 1, 4],
  [27, 'i64', 1, 8],
  [28, 'f64', 1, 8],
  [29, 'iq1_m', 256, 56],
  [30, 'bf16', 1, 2],
  [34, 'tq1_0', 256, 54],
  [35, 'tq2_0', 256, 66],
  [39, 'mxfp4', 32, 17],
];

/** Every ggml type this build knows, by id. */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map(
  ROWS.map(([id, name, block, bytes]) => [id, { id, name, block, bytes }]),
);

/** The same types by name. */
export const GGML_TYPES_BY_NAME: ReadonlyMap<string, GgmlType> = new Map(
  [...GGML_TYPES.values()].map((t) => [t.name, t]),
);

/** Bytes a tensor of `type` with these ggml dimensions (ne[0] innermost) takes. */
export function ggmlTensorBytes(type: GgmlType, ne: readonly number[]): number {
  const rows = ne.slice(1).reduce((a, b) => a * b, 1);
  return (ne[0] / type.block) * type.bytes * rows;
}
