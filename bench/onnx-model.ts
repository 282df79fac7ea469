/**
 * The smallest protobuf writer that can build an ONNX model in code: one MatMulNBits node
 * (com.microsoft, 4-bit, block 32) for the benchmark's onnxruntime-web peer. Field numbers from onnx.proto.
 */
class Proto {
  private readonly parts: number[] = [];
  private varint(v: number): void {
    let x = BigInt(v);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      this.parts.push(b);
    } while (x);
  }
  int(field: number, v: number): this {
    this.varint((field << 3) | 0);
    this.varint(v);
    return this;
  }
  bytes(field: number, data: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(data.length);
    for (const b of data) this.parts.push(b);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  message(field: number, m: Proto): this {
    return this.bytes(field, m.finish());
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

const FLOAT = 1;
const UINT8 = 2;

function valueInfo(name: string, dims: number[]): Proto {
  const shape = new Proto();
  for (const d of dims) shape.message(1, new Proto().int(1, d));
  const tensorType = new Proto().int(1, FLOAT).message(2, shape);
  return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
}

function initializer(name: string, dims: number[], type: number, raw: Uint8Array): Proto {
  const t = new Proto();
  for (const d of dims) t.int(1, d);
  return t.int(2, type).string(8, name).bytes(9, raw);
}

function intAttr(name: string, v: number): Proto {
  return new Proto().string(1, name).int(3, v).int(20, 2); // type INT
}

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
  const node = new Proto()
    .string(1, 'A')
    .string(1, 'B')
    .string(1, 'scales')
    .string(2, 'Y')
    .string(3, 'matmul_nbits')
    .string(4, 'MatMulNBits')
    .string(7, 'com.microsoft')
    .message(5, intAttr('K', K))
    .message(5, intAttr('N', N))
    .message(5, intAttr('bits', 4))
    .message(5, intAttr('block_size', 32));
  const graph = new Proto()
    .message(1, node)
    .string(2, 'peer')
    .message(5, initializer('B', [N, blocks, 16], UINT8, packed))
    .message(
      5,
      initializer('scales', [N * blocks], FLOAT, new Uint8Array(scales.buffer, scales.byteOffset, scales.byteLength)),
    )
    .message(11, valueInfo('A', [M, K]))
    .message(12, valueInfo('Y', [M, N]));
  return new Proto()
    .int(1, 8) // ir_version
    .message(8, new Proto().string(1, '').int(2, 17))
    .message(8, new Proto().string(1, 'com.microsoft').int(2, 1))
    .message(7, graph)
    .finish();
}
