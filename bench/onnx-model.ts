/**
 * One MatMulNBits node (com.microsoft, 4-bit, block 32) as an ONNX model, for the benchmark's
 * onnxruntime-web peer (src/io/proto-writer.ts writes it).
 */
import {
  floatValueInfo,
  intAttribute,
  ONNX_FLOAT,
  ONNX_UINT8,
  ProtoWriter,
  tensorProto,
} from '../src/io/proto-writer.js';

/**
 * Y[M,N] = A[M,K] · dequant(B)ᵀ with B: uint8 [N, K/32, 16] (two 4-bit codes per byte, low nibble
 * first, value (q − 8)·scale: the default zero point) and scales: f32 [N·K/32].
 */
export function matMulNBitsModel(
  M: number,
  K: number,
  N: number,
  packed: Uint8Array,
  scales: Float32Array,
): Uint8Array {
  if (K % 32 !== 0) throw new Error(`MatMulNBits peer model needs K % 32 == 0, got ${K}`);
  const blocks = K / 32;
  if (packed.length !== N * blocks * 16 || scales.length !== N * blocks)
    throw new Error('MatMulNBits peer model: packed/scales sizes do not match the shape');
  const node = new ProtoWriter()
    .string(1, 'A')
    .string(1, 'B')
    .string(1, 'scales')
    .string(2, 'Y')
    .string(3, 'matmul_nbits')
    .string(4, 'MatMulNBits')
    .string(7, 'com.microsoft')
    .message(5, intAttribute('K', K))
    .message(5, intAttribute('N', N))
    .message(5, intAttribute('bits', 4))
    .message(5, intAttribute('block_size', 32));
  const graph = new ProtoWriter()
    .message(1, node)
    .string(2, 'peer')
    .message(5, tensorProto('B', [N, blocks, 16], ONNX_UINT8, packed))
    .message(
      5,
      tensorProto(
        'scales',
        [N * blocks],
        ONNX_FLOAT,
        new Uint8Array(scales.buffer, scales.byteOffset, scales.byteLength),
      ),
    )
    .message(11, floatValueInfo('A', [M, K]))
    .message(12, floatValueInfo('Y', [M, N]));
  return new ProtoWriter()
    .int(1, 8) // ir_version
    .message(8, new ProtoWriter().string(1, '').int(2, 17))
    .message(8, new ProtoWriter().string(1, 'com.microsoft').int(2, 1))
    .message(7, graph)
    .finish();
}
