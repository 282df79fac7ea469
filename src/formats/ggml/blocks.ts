/**
 * ggml's block quantization types, byte for byte (docs/interop.md): the dequantization of every type in
 * the golden set and the quantizer llama-quantize runs for it without an importance matrix (the
 * `_ref` quantizers; IQ4_NL's search variant), in float32 arithmetic exactly as ggml's C does it
 * (every + − × ÷ rounded to f32, no fused multiply-add), so the bytes and the values match ggml's bit
 * for bit. One row per type (BLOCK_CODECS); a block is `bytes`
 * bytes holding `block` elements, and a row of K elements is K / block consecutive blocks.
 *
 * The value of each element is the type's formula in the comments below. These functions are the plain
 * reference the engine's GGML format and its WGSL decode (shaders/formats/ggml.wgsl) are checked against.
 */
import { half as h, putHalf, scaleMinK4, signedAbsMax } from './block-bytes.js';
import { encodeIq4, encodeQ2K, encodeQ3K, encodeQ4K, encodeQ5K, encodeQ6K } from './k-quants.js';

const f = Math.fround;

/** The 16 non-uniform levels of IQ4_NL and IQ4_XS (ggml's kvalues_iq4nl). */
const IQ4_LEVELS: readonly number[] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

/** Decodes one block starting at byte `at` of `b` into out[o … o + block). */
type DecodeBlock = (b: Uint8Array, at: number, out: Float32Array, o: number) => void;
/** Encodes x[o … o + block) into one block at byte `at` of `b`. */
type EncodeBlock = (x: Float32Array, o: number, b: Uint8Array, at: number) => void;

export interface BlockCodec {
  readonly name: string;
  readonly block: number;
  readonly bytes: number;
  readonly decode: DecodeBlock;
  /** ggml's quantizer without an importance matrix (what `ggml_quantize_chunk` runs). */
  readonly encode?: EncodeBlock;
}

const i8 = (v: number) => (v << 24) >> 24;
/** C's (int8_t) cast of a float in range: truncation toward zero. */
const trunc8 = (v: number) => i8(Math.trunc(v));

// Q4_0: d f16, qs[16]; element j < 16 is the low nibble of qs[j], j + 16 the high one; value (q − 8)·d.
const q4_0: BlockCodec = {
  name: 'q4_0',
  block: 32,
  bytes: 18,
  decode(b, at, out, o) {
    const d = h(b, at);
    for (let j = 0; j < 16; j++) {
      const q = b[at + 2 + j];
      out[o + j] = f(((q & 15) - 8) * d);
      out[o + j + 16] = f(((q >> 4) - 8) * d);
    }
  },
  // d = (the signed element of largest |x|) / −8; q = min(15, trunc(x/d + 8.5))
  encode(x, o, b, at) {
    const { max } = signedAbsMax(x, o, 32);
    const d = f(max / -8);
    const id = d ? f(1 / d) : 0;
    putHalf(b, at, d);
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, trunc8(f(f(x[o + j] * id) + 8.5)));
      const q1 = Math.min(15, trunc8(f(f(x[o + j + 16] * id) + 8.5)));
      b[at + 2 + j] = q0 | (q1 << 4);
    }
  },
};

// Q4_1: d f16, m f16, qs[16]; value q·d + m.
const q4_1: BlockCodec = {
  name: 'q4_1',
  block: 32,
  bytes: 20,
  decode(b, at, out, o) {
    const d = h(b, at);
    const m = h(b, at + 2);
    for (let j = 0; j < 16; j++) {
      const q = b[at + 4 + j];
      out[o + j] = f(f((q & 15) * d) + m);
      out[o + j + 16] = f(f((q >> 4) * d) + m);
    }
  },
  // d = (max − min)/15, m = min; q = min(15, trunc((x − min)/d + 0.5))
  encode(x, o, b, at) {
    let min = Infinity;
    let max = -Infinity;
    for (let j = 0; j < 32; j++) {
      const v = x[o + j];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const d = f(f(max - min) / 15);
    const id = d ? f(1 / d) : 0;
    putHalf(b, at, d);
    putHalf(b, at + 2, min);
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(15, trunc8(f(f(f(x[o + j] - min) * id) + 0.5)));
      const q1 = Math.min(15, trunc8(f(f(f(x[o + j + 16] - min) * id) + 0.5)));
      b[at + 4 + j] = q0 | (q1 << 4);
    }
  },
};

// Q5_0: d f16, qh u32 (bit j: the fifth bit of element j), qs[16]; value (q − 16)·d.
const q5_0: BlockCodec = {
  name: 'q5_0',
  block: 32,
  bytes: 22,
  decode(b, at, out, o) {
    const d = h(b, at);
    const qh = (b[at + 2] | (b[at + 3] << 8) | (b[at + 4] << 16) | (b[at + 5] << 24)) >>> 0;
    for (let j = 0; j < 16; j++) {
      const q = b[at + 6 + j];
      const lo = (q & 15) | (((qh >>> j) & 1) << 4);
      const hi = (q >> 4) | (((qh >>> (j + 16)) & 1) << 4);
      out[o + j] = f((lo - 16) * d);
      out[o + j + 16] = f((hi - 16) * d);
    }
  },
  // d = (signed max)/−16; q = min(31, trunc(x/d + 16.5))
  encode(x, o, b, at) {
    const { max } = signedAbsMax(x, o, 32);
    const d = f(max / -16);
    const id = d ? f(1 / d) : 0;
    putHalf(b, at, d);
    let qh = 0;
    for (let j = 0; j < 16; j++) {
      const q0 = Math.min(31, trunc8(f(f(x[o + j] * id) + 16.5)));
      const q1 = Math.min(31, trunc8(f(f(x[o + j + 16] * id) + 16.5)));
      b[at + 6 + j] = (q0 & 15) | ((q1 & 15) << 4);
      qh |= ((q0 >> 4) << j) | ((q1 >> 4) << (j + 16));
    }
    for (let i = 0; i < 4; i++) b[at + 2 + i] = (qh >>> (8 * i)) & 0xff;
  },
};

/** C's roundf: half away from zero. */
const roundAway = (v: number) => Math.sign(v) * Math.floor(Math.abs(v) + 0.5);

// Q8_0: d f16, qs int8[32]; value q·d.
const q8_0: BlockCodec = {
  name: 'q8_0',
  block: 32,
  bytes: 34,
  decode(b, at, out, o) {
    const d = h(b, at);
    for (let j = 0; j < 32; j++) out[o + j] = f(i8(b[at + 2 + j]) * d);
  },
  // d = max|x|/127; q = roundf(x/d) (half away from zero)
  encode(x, o, b, at) {
    const { amax } = signedAbsMax(x, o, 32);
    const d = f(amax / 127);
    const id = d ? f(1 / d) : 0;
    putHalf(b, at, d);
    for (let j = 0; j < 32; j++) b[at + 2 + j] = roundAway(f(x[o + j] * id)) & 0xff;
  },
};

// Q2_K: scales[16] (low nibble: scale, high: min), qs[64], d f16, dmin f16. Per 16 elements:
// value = d·sc·q − dmin·m, q the 2-bit field; the 128-element halves interleave 2-bit planes.
const q2_K: BlockCodec = {
  name: 'q2_K',
  block: 256,
  encode: encodeQ2K,
  bytes: 84,
  decode(b, at, out, o) {
    const d = h(b, at + 80);
    const dmin = h(b, at + 82);
    let y = o;
    let is = 0;
    for (let half = 0; half < 2; half++) {
      const q = at + 16 + 32 * half;
      for (let shift = 0; shift < 8; shift += 2) {
        for (const part of [0, 16]) {
          const sc = b[at + is++];
          const dl = f(d * (sc & 15));
          const ml = f(dmin * (sc >> 4));
          for (let l = 0; l < 16; l++) out[y++] = f(f(dl * ((b[q + part + l] >> shift) & 3)) - ml);
        }
      }
    }
  },
};

// Q3_K: hmask[32], qs[64], scales[12] (16 6-bit scales, bias 32), d f16. value = d·(s − 32)·(q − 4·!hbit).
const q3_K: BlockCodec = {
  name: 'q3_K',
  block: 256,
  encode: encodeQ3K,
  bytes: 110,
  decode(b, at, out, o) {
    const d = h(b, at + 108);
    // the 12 scale bytes hold, for scale i, its low 4 bits (bytes 0–7, nibbles) and high 2 bits (bytes 8–11)
    const sc = new Int8Array(16);
    for (let i = 0; i < 16; i++) {
      const low = (b[at + 96 + (i % 8)] >> (4 * Math.floor(i / 8))) & 15;
      const high = (b[at + 104 + (i % 4)] >> (2 * Math.floor(i / 4))) & 3;
      sc[i] = (low | (high << 4)) - 32;
    }
    let y = o;
    let is = 0;
    let m = 1;
    for (let half = 0; half < 2; half++) {
      const q = at + 32 + 32 * half;
      for (let shift = 0; shift < 8; shift += 2) {
        for (const part of [0, 16]) {
          const dl = f(d * sc[is++]);
          for (let l = 0; l < 16; l++) {
            const v = ((b[q + part + l] >> shift) & 3) - (b[at + part + l] & m ? 0 : 4);
            out[y++] = f(dl * v);
          }
        }
        m <<= 1;
      }
    }
  },
};

/**
 * Q4_K and Q5_K: d f16, dmin f16, scales[12] (8 six-bit scales and mins), [Q5_K: qh[32], the fifth bits],
 * qs[128]; per 32 elements value = d·sc·q − dmin·m, 64 elements per 32 bytes (low nibbles, then high).
 */
function decodeK4(fifthBit: boolean): DecodeBlock {
  const qs = fifthBit ? 48 : 16;
  return (b, at, out, o) => {
    const d = h(b, at);
    const dmin = h(b, at + 2);
    let y = o;
    for (let j = 0; j < 4; j++) {
      const q = at + qs + 32 * j;
      for (const hi of [0, 1]) {
        const [sc, m] = scaleMinK4(b, at + 4, 2 * j + hi);
        const dl = f(d * sc);
        const ml = f(dmin * m);
        const bit = 1 << (2 * j + hi);
        for (let l = 0; l < 32; l++) {
          const high = fifthBit && b[at + 16 + l] & bit ? 16 : 0;
          out[y++] = f(f(dl * (((b[q + l] >> (4 * hi)) & 15) + high)) - ml);
        }
      }
    }
  };
}

const q4_K: BlockCodec = { name: 'q4_K', block: 256, bytes: 144, encode: encodeQ4K, decode: decodeK4(false) };
const q5_K: BlockCodec = { name: 'q5_K', block: 256, bytes: 176, encode: encodeQ5K, decode: decodeK4(true) };

// Q6_K: ql[128], qh[64], scales int8[16], d f16; value = d·sc·(q − 32), q 6 bits (4 from ql, 2 from qh).
const q6_K: BlockCodec = {
  name: 'q6_K',
  block: 256,
  encode: encodeQ6K,
  bytes: 210,
  decode(b, at, out, o) {
    const d = h(b, at + 208);
    for (let n = 0; n < 2; n++) {
      const ql = at + 64 * n;
      const qh = at + 128 + 32 * n;
      const sc = at + 192 + 8 * n;
      const y = o + 128 * n;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const hb = b[qh + l];
        const q1 = ((b[ql + l] & 15) | ((hb & 3) << 4)) - 32;
        const q2 = ((b[ql + l + 32] & 15) | (((hb >> 2) & 3) << 4)) - 32;
        const q3 = ((b[ql + l] >> 4) | (((hb >> 4) & 3) << 4)) - 32;
        const q4 = ((b[ql + l + 32] >> 4) | (((hb >> 6) & 3) << 4)) - 32;
        out[y + l] = f(f(d * i8(b[sc + is])) * q1);
        out[y + l + 32] = f(f(d * i8(b[sc + is + 2])) * q2);
        out[y + l + 64] = f(f(d * i8(b[sc + is + 4])) * q3);
        out[y + l + 96] = f(f(d * i8(b[sc + is + 6])) * q4);
      }
    }
  },
};

// IQ4_NL: d f16, qs[16] (4-bit indices into IQ4_LEVELS, nibbles as in Q4_0); value d·level.
const iq4_nl: BlockCodec = {
  name: 'iq4_nl',
  block: 32,
  bytes: 18,
  encode: (x, o, b, at) => encodeIq4(IQ4_LEVELS, 32, x, o, b, at),
  decode(b, at, out, o) {
    const d = h(b, at);
    for (let j = 0; j < 16; j++) {
      const q = b[at + 2 + j];
      out[o + j] = f(d * IQ4_LEVELS[q & 15]);
      out[o + j + 16] = f(d * IQ4_LEVELS[q >> 4]);
    }
  },
};

// IQ4_XS: d f16, scales_h u16, scales_l[4], qs[128]; 8 sub-blocks of 32 with 6-bit scales (bias 32):
// value d·(ls − 32)·level.
const iq4_xs: BlockCodec = {
  name: 'iq4_xs',
  block: 256,
  bytes: 136,
  encode: (x, o, b, at) => encodeIq4(IQ4_LEVELS, 256, x, o, b, at),
  decode(b, at, out, o) {
    const d = h(b, at);
    const sh = b[at + 2] | (b[at + 3] << 8);
    for (let ib = 0; ib < 8; ib++) {
      const ls = ((b[at + 4 + (ib >> 1)] >> (4 * (ib & 1))) & 15) | (((sh >> (2 * ib)) & 3) << 4);
      const dl = f(d * (ls - 32));
      const qs = at + 8 + 16 * ib;
      for (let j = 0; j < 16; j++) {
        out[o + 32 * ib + j] = f(dl * IQ4_LEVELS[b[qs + j] & 15]);
        out[o + 32 * ib + j + 16] = f(dl * IQ4_LEVELS[b[qs + j] >> 4]);
      }
    }
  },
};

// F16: the plain half-precision type.
const f16: BlockCodec = {
  name: 'f16',
  block: 1,
  bytes: 2,
  decode(b, at, out, o) {
    out[o] = h(b, at);
  },
  encode(x, o, b, at) {
    putHalf(b, at, x[o]);
  },
};

/** Every ggml block type the engine reads, by ggml name. */
export const BLOCK_CODECS: ReadonlyMap<string, BlockCodec> = new Map(
  [f16, q4_0, q4_1, q5_0, q8_0, q2_K, q3_K, q4_K, q5_K, q6_K, iq4_nl, iq4_xs].map((c) => [c.name, c]),
);

/** Dequantizes rows of ggml blocks (K elements per row) to f32, as ggml's dequantize_row_<type> does. */
export function decodeBlocks(codec: BlockCodec, bytes: Uint8Array, rows: number, K: number): Float32Array {
  if (K % codec.block !== 0) throw new RangeError(`${codec.name}: K = ${K} is not a multiple of ${codec.block}`);
  const perRow = (K / codec.block) * codec.bytes;
  if (bytes.length !== rows * perRow)
    throw new RangeError(`${codec.name}: ${rows}×${K} takes ${rows * perRow} bytes, got ${bytes.length}`);
  const out = new Float32Array(rows * K);
  for (let i = 0, n = rows * (K / codec.block); i < n; i++) codec.decode(bytes, i * codec.bytes, out, i * codec.block);
  return out;
}

/** Quantizes rows of K elements with ggml's reference quantizer of the type (where ported). */
export function encodeBlocks(codec: BlockCodec, x: Float32Array, rows: number, K: number): Uint8Array {
  const encode = codec.encode;
  if (!encode) throw new RangeError(`${codec.name}: the reference quantizer is not ported (decode only)`);
  if (K % codec.block !== 0) throw new RangeError(`${codec.name}: K = ${K} is not a multiple of ${codec.block}`);
  if (x.length !== rows * K) throw new RangeError(`${codec.name}: expected ${rows * K} values, got ${x.length}`);
  const out = new Uint8Array((rows * K * codec.bytes) / codec.block);
  for (let i = 0, n = (rows * K) / codec.block; i < n; i++) encode(x, i * codec.block, out, i * codec.bytes);
  return out;
}
