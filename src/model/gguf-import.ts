/**
 * A GGUF tensor as an engine matrix, as it is (docs/interop.md): its ggml blocks become the codes of the
 * matching engine format without re-quantizing, so `engine.uploadQuantized(await ggufMatrix(src, info))`
 * multiplies exactly what llama.cpp would.
 *
 * @example
 * const file = await readGguf(src);
 * const w = engine.uploadQuantized(await ggufMatrix(src, file.tensors[0])); // ne [K, N] → N×K
 * const y = await engine.read(await engine.matmul(engine.upload(x), w));
 */
import { FormatError } from '../errors.js';
import type { QuantizedMatrix } from '../formats/format.js';
import { GgmlFormat, ggmlFormatName } from '../formats/ggml/format.js';
import type { ByteSource } from '../io/byte-source.js';
import { type GgufTensorInfo, readGgufTensorBytes } from '../io/gguf.js';

/** The tensor (ne = [K, N], or [K] as one row) as an N×K quantized matrix of its ggml type. */
export async function ggufMatrix(src: ByteSource, info: GgufTensorInfo): Promise<QuantizedMatrix> {
  const name = ggmlFormatName(info.type.name);
  if (!name)
    throw new FormatError(
      `GGUF tensor ${info.name} is ${info.type.name}, which the engine does not run as a quantized matrix ` +
        '(it runs q4_0 q4_1 q5_0 q8_0 q2_K q3_K q4_K q5_K q6_K iq4_nl iq4_xs)',
    );
  if (info.ne.length > 2)
    throw new FormatError(`GGUF tensor ${info.name} has ${info.ne.length} dimensions; a matrix has at most 2`);
  const [K, N = 1] = info.ne;
  return new GgmlFormat(name).fromGgmlBytes(await readGgufTensorBytes(src, info), N, K);
}
