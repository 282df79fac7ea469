/**
 * A bounds-checked protobuf wire-format reader: just enough to walk ONNX files (varints, 64-bit, 32-bit
 * and length-delimited fields). Every read is checked against the end of its message, so a truncated
 * or corrupt file fails with a CorruptFileError naming the field and byte offset instead of reading
 * garbage or looping.
 */
import { CorruptFileError } from '../errors.js';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export interface Field {
  /** Field number. */
  no: number;
  wire: number;
  /**
   * Varint value as a JS number: exact up to 2^53 (negative int64s, 10-byte varints, come out ≥ 2^63 and inexact:
   * callers that need exact values check Number.isSafeInteger).
   */
  value: number;
  /** For length-delimited fields: [start, end) of the payload in the buffer. */
  start: number;
  end: number;
}

export class ProtoReader {
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {}

  fail(field: string, offset: number, detail: string): never {
    throw new CorruptFileError(this.what, field, offset, detail);
  }

  /** Varint at `pos` (< end): [value, next position]. */
  varint(pos: number, end: number, field: string): [number, number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) this.fail(field, pos, 'varint runs past the end of its message');
      const b = this.bytes[pos++];
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return [value, pos];
      scale *= 128;
    }
    return this.fail(field, pos, 'varint longer than 10 bytes');
  }

  /** Varint at `pos` as an exact unsigned 64-bit BigInt (int64 values are its two's complement). */
  varintBig(pos: number, end: number, field: string): [bigint, number] {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) this.fail(field, pos, 'varint runs past the end of its message');
      const b = this.bytes[pos++];
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return [BigInt.asUintN(64, value), pos];
    }
    return this.fail(field, pos, 'varint longer than 10 bytes');
  }

  /** The fields of the message in [start, end), in order. */
  *fields(start: number, end: number, message: string): Generator<Field> {
    let pos = start;
    while (pos < end) {
      const at = pos;
      const [key, p] = this.varint(pos, end, `${message} field key`);
      pos = p;
      const no = Math.floor(key / 8);
      const wire = key % 8;
      if (no === 0) this.fail(`${message} field key`, at, 'field number 0');
      if (wire === WIRE_VARINT) {
        const [value, q] = this.varint(pos, end, `${message}.${no}`);
        pos = q;
        yield { no, wire, value, start: at, end: pos };
      } else if (wire === WIRE_I64 || wire === WIRE_I32) {
        const size = wire === WIRE_I64 ? 8 : 4;
        if (pos + size > end) this.fail(`${message}.${no}`, pos, `${size}-byte field runs past the end of its message`);
        yield { no, wire, value: 0, start: pos, end: pos + size };
        pos += size;
      } else if (wire === WIRE_LEN) {
        const [len, q] = this.varint(pos, end, `${message}.${no} length`);
        if (q + len > end)
          this.fail(`${message}.${no}`, q, `length ${len} runs past the end of its message (${end - q} bytes left)`);
        yield { no, wire, value: len, start: q, end: q + len };
        pos = q + len;
      } else {
        this.fail(`${message} field key`, at, `unsupported wire type ${wire} (field ${no})`);
      }
    }
  }

  string(f: Field): string {
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bytes.subarray(f.start, f.end));
  }
}
