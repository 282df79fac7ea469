/**
 * The smallest protobuf writer that builds ONNX messages in code (field numbers from onnx.proto):
 * varint, length-delimited bytes, strings and nested messages, in the order they are added.
 *
 * @example
 * ```ts
 * const node = new ProtoWriter().string(1, 'A').string(2, 'Y').string(4, 'Relu'); // NodeProto
 * const bytes = node.finish();
 * ```
 */
export class ProtoWriter {
  private readonly parts: number[] = [];

  private varint(v: number | bigint): void {
    let x = BigInt(v);
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x) b |= 0x80;
      this.parts.push(b);
    } while (x);
  }

  /** A varint field (int64, enum, bool). */
  int(field: number, v: number): this {
    this.varint((field << 3) | 0);
    this.varint(v);
    return this;
  }

  /** A length-delimited field holding `data`. */
  bytes(field: number, data: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(data.length);
    for (const b of data) this.parts.push(b);
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /** A nested message field. */
  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  /** The message as field `field` of its parent (key, length, bytes). */
  finishAsField(field: number): Uint8Array {
    return new ProtoWriter().message(field, this).finish();
  }
}

/** ONNX TensorProto data types this writer emits. */
export const ONNX_FLOAT = 1;
export const ONNX_UINT8 = 2;

/** A TensorProto initializer with raw little-endian data. */
export function tensorProto(name: string, dims: readonly number[], type: number, raw: Uint8Array): ProtoWriter {
  const t = new ProtoWriter();
  for (const d of dims) t.int(1, d);
  return t.int(2, type).string(8, name).bytes(9, raw);
}

/** An INT attribute (AttributeProto type 2). */
export function intAttribute(name: string, v: number): ProtoWriter {
  return new ProtoWriter().string(1, name).int(3, v).int(20, 2);
}

/** A float tensor's ValueInfoProto with a static shape. */
export function floatValueInfo(name: string, dims: readonly number[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, new ProtoWriter().int(1, d));
  const tensorType = new ProtoWriter().int(1, ONNX_FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}
