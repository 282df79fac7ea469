import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CorruptFileError, ShapeError, UnsupportedVersionError } from '../src/errors.js';
import { memorySink, memorySource } from '../src/io/byte-source.js';
import { type GgufArray, type GgufKv, readGguf, readGgufTensorBytes, writeGguf } from '../src/io/gguf.js';
import { seededRng } from './seed.js';

const DIR = 'test/fixtures/ggml';
const tinyBytes = new Uint8Array(readFileSync(`${DIR}/tiny.gguf`));
const tinyJson = JSON.parse(readFileSync(`${DIR}/tiny.gguf.json`, 'utf8'));

/** A value as tiny.gguf.json writes it: 64-bit integers as decimal strings, arrays as plain lists. */
function asJson(kv: GgufKv): unknown {
  const plain = (v: unknown): unknown =>
    typeof v === 'bigint' ? String(v) : typeof v === 'object' && v !== null ? (v as GgufArray).values.map(plain) : v;
  return plain(kv.value);
}

describe('GGUF v3', () => {
  const TINY = 'tiny.gguf (written by ggml) reads back exactly as its JSON describes: every key, value, tensor, offset';
  test(TINY, async () => {
    const src = memorySource(tinyBytes, 'tiny.gguf');
    const f = await readGguf(src);
    expect([f.version, f.alignment, f.dataStart]).toEqual([
      tinyJson.version,
      tinyJson.alignment,
      tinyJson.data_section_offset,
    ]);
    expect(f.kv.map((e) => e.key)).toEqual(tinyJson.kv.map((e: { key: string }) => e.key));
    for (const [i, want] of tinyJson.kv.entries()) {
      const got = f.kv[i];
      expect(got.type, want.key).toBe(want.gguf_type);
      if (want.gguf_type === 'arr') expect((got.value as GgufArray).itemType).toBe(want.array_type);
      if (want.bits) {
        // f32 / f64 compared bit for bit
        const b = new DataView(new ArrayBuffer(8));
        if (want.gguf_type === 'f32') {
          b.setFloat32(0, got.value as number);
          expect(b.getUint32(0)).toBe(Number(want.bits));
        } else {
          b.setFloat64(0, got.value as number);
          expect(b.getBigUint64(0)).toBe(BigInt(want.bits));
        }
      } else expect(asJson(got), want.key).toEqual(want.value);
    }
    expect(f.tensors.length).toBe(tinyJson.tensors.length);
    for (const [i, want] of tinyJson.tensors.entries()) {
      const t = f.tensors[i];
      expect([t.name, t.ne, t.type.name, t.type.id, t.offset, t.absoluteOffset, t.nbytes]).toEqual([
        want.name,
        want.ne,
        want.ggml_type,
        want.ggml_type_id,
        want.offset,
        want.absolute_offset,
        want.nbytes,
      ]);
      expect(await readGgufTensorBytes(src, t)).toEqual(new Uint8Array(readFileSync(`${DIR}/${want.bytes_file}`)));
    }
  });

  test('writing what was read reproduces ggml’s file byte for byte', async () => {
    const src = memorySource(tinyBytes, 'tiny.gguf');
    const f = await readGguf(src);
    const tensors = await Promise.all(
      f.tensors.map(async (t) => ({ name: t.name, type: t.type, ne: t.ne, bytes: await readGgufTensorBytes(src, t) })),
    );
    const sink = memorySink('copy.gguf');
    await writeGguf(sink, f.kv, tensors);
    expect(sink.bytes()).toEqual(tinyBytes);
  });

  const FUZZ =
    'every truncation and 3000 random mutations: a typed error naming a field and offset, or a file whose ' +
    'tensors lie inside it';
  test(FUZZ, async () => {
    const rng = seededRng();
    for (let cut = 0; cut < tinyBytes.length; cut += cut < 1200 ? 1 : 97) {
      const err = await readGguf(memorySource(tinyBytes.subarray(0, cut), 'cut')).catch((e) => e);
      expect(err, `cut at ${cut}`).toBeInstanceOf(CorruptFileError);
      expect((err as CorruptFileError).offset).toBeGreaterThanOrEqual(0);
      expect((err as CorruptFileError).offset).toBeLessThanOrEqual(cut);
    }
    let parsed = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const m = tinyBytes.slice();
      // mutate the header region (the data section has no structure)
      for (let j = 0, n = 1 + Math.floor(rng.uniform() * 3); j < n; j++)
        m[Math.floor(rng.uniform() * 1152)] = Math.floor(rng.uniform() * 256);
      try {
        const f = await readGguf(memorySource(m, 'mutated'));
        for (const t of f.tensors) expect(t.absoluteOffset + t.nbytes).toBeLessThanOrEqual(m.length);
        parsed++;
      } catch (e) {
        if (!(e instanceof CorruptFileError || e instanceof UnsupportedVersionError)) throw e;
      }
    }
    // mutations of string bytes and values leave a valid file: the fuzz reaches past the header
    expect(parsed).toBeGreaterThan(100);
  });

  test('absurd counts and lengths fail at once, naming the field (no allocation or loop driven by them)', async () => {
    const at = (offset: number, put: (d: DataView) => void) => {
      const m = tinyBytes.slice();
      put(new DataView(m.buffer, offset));
      return m;
    };
    const cases: [string, Uint8Array, RegExp][] = [
      ['tensor count 2^60', at(8, (d) => d.setBigUint64(0, 1n << 60n, true)), /tensor count/],
      ['metadata count 2^40', at(16, (d) => d.setBigUint64(0, 1n << 40n, true)), /metadata count/],
      ['key length 2^62', at(24, (d) => d.setBigUint64(0, 1n << 62n, true)), /metadata\[0\] key length/],
      ['value type 99', at(24 + 8 + 12, (d) => d.setUint32(0, 99, true)), /unknown value type 99/],
      ['version 4', at(4, (d) => d.setUint32(0, 4, true)), /version "4"/],
      ['magic', at(0, (d) => d.setUint32(0, 0x46554748, true)), /not a GGUF file/],
    ];
    for (const [what, bytes, message] of cases) {
      const t0 = performance.now();
      await expect(readGguf(memorySource(bytes, what)), what).rejects.toThrow(message);
      expect(performance.now() - t0).toBeLessThan(100);
    }
    // an array count past the file: golden.str_arr is the 5th entry
    const f = await readGguf(memorySource(tinyBytes, 'tiny'));
    expect(f.kv[4].key).toBe('golden.str_arr');
    const key = new TextEncoder().encode('golden.str_arr');
    let pos = tinyBytes.findIndex((_, i) => key.every((b, j) => tinyBytes[i + j] === b));
    pos += key.length + 4 + 4; // past the key, the value type (arr) and the item type (str)
    const big = at(pos, (d) => d.setBigUint64(0, 1n << 50n, true));
    await expect(readGguf(memorySource(big, 'arr'))).rejects.toThrow(
      /items cannot fit .*reading golden\.str_arr count at byte \d+/,
    );
  });

  test('the writer refuses what ggml could not load, before writing anything', async () => {
    const t = { name: 'w', type: 'q4_0', ne: [64, 2], bytes: new Uint8Array(72) };
    const cases: [GgufKv[], (typeof t)[], RegExp][] = [
      [[{ key: 'a', type: 'u8', value: 256 }], [], /a u8 value must be an integer in 0…255/],
      [
        [
          { key: 'a', type: 'u32', value: 1 },
          { key: 'a', type: 'u32', value: 2 },
        ],
        [],
        /duplicate key "a"/,
      ],
      [[{ key: 'general.alignment', type: 'u32', value: 24 }], [], /power of two/],
      [[], [{ ...t, name: 'x'.repeat(64) }], /longer than ggml's 63 bytes/],
      [[], [{ ...t, ne: [48, 2] }], /not a multiple of q4_0's block 32/],
      [[], [{ ...t, bytes: new Uint8Array(71) }], /takes 72 bytes, got 71/],
      [[], [t, t], /appears twice/],
      [[{ key: 'i', type: 'i64', value: 1 }], [], /must be a bigint/],
    ];
    for (const [kv, tensors, message] of cases) {
      const sink = memorySink();
      await expect(writeGguf(sink, kv, tensors)).rejects.toThrow(ShapeError);
      await expect(writeGguf(sink, kv, tensors)).rejects.toThrow(message);
      expect(sink.bytes().length).toBe(0);
    }
  });

  test('a custom alignment and nested arrays round-trip', async () => {
    const rng = seededRng();
    const bytes = Uint8Array.from({ length: 2 * 34 * 3 }, () => Math.floor(rng.uniform() * 256));
    const kv: GgufKv[] = [
      { key: 'general.alignment', type: 'u32', value: 64 },
      {
        key: 'nested',
        type: 'arr',
        value: { itemType: 'arr', values: [{ itemType: 'i64', values: [-1n, 2n ** 62n] }] },
      },
      { key: 'empty', type: 'arr', value: { itemType: 'str', values: [] } },
    ];
    const sink = memorySink();
    await writeGguf(sink, kv, [
      { name: 'a', type: 'q8_0', ne: [64, 3], bytes },
      { name: 'b', type: 'f32', ne: [3], bytes: new Uint8Array(12) },
    ]);
    const src = memorySource(sink.bytes(), 'aligned');
    const f = await readGguf(src);
    expect(f.alignment).toBe(64);
    expect(f.dataStart % 64).toBe(0);
    expect(f.tensors.map((t) => t.offset)).toEqual([0, 256]); // 204 bytes of q8_0, padded to 64
    expect(f.kv).toEqual(kv);
    expect(await readGgufTensorBytes(src, f.tensors[0])).toEqual(bytes);
  });
});

describe('GGUF tensors into the engine as they are', () => {
  const AS_IS = 'every block-type tensor of tiny.gguf becomes an engine matrix decoding to ggml’s values, bit for bit';
  test(AS_IS, async () => {
    const { ggufMatrix } = await import('../src/model/gguf-import.js');
    const src = memorySource(tinyBytes, 'tiny.gguf');
    const f = await readGguf(src);
    let n = 0;
    for (const t of f.tensors) {
      if (t.type.name === 'f32' || t.type.name === 'f16') {
        await expect(ggufMatrix(src, t)).rejects.toThrow(/does not run as a quantized matrix/);
        continue;
      }
      const q = await ggufMatrix(src, t);
      expect([q.format.id, q.rows, q.cols]).toEqual([t.type.name, 8, 512]);
      const want = new Uint8Array(readFileSync(`${DIR}/${t.type.name}.dequant.f32`));
      expect(new Uint8Array(q.format.decode(q).data.buffer)).toEqual(want);
      n++;
    }
    expect(n).toBe(11);
  });
});
