import { describe, expect, test } from 'vitest';
import { CorruptFileError, ShapeError } from '../src/errors.js';
import { f16BitsToF32, f32ToF16Bits } from '../src/formats/f16.js';
import { memorySink, memorySource } from '../src/io/byte-source.js';
import { crc32 } from '../src/io/crc32.js';
import {
  readFloatRows,
  readFloatTensor,
  readSafetensorsHeader,
  SafetensorsWriter,
  type PlannedTensor,
} from '../src/io/safetensors.js';
import type { Rng } from '../src/reference/random.js';
import { seededRng } from './seed.js';

/** A safetensors file from a JSON header object and a data section, framed by hand (not by the writer). */
function frame(header: unknown, data: Uint8Array, pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (vals: number[]) => new Uint8Array(new Float32Array(vals).buffer);

/**
 * Writes `tensors` (float values given as f32; F16/BF16 stored rounded) with the streaming writer, in random chunks.
 */
async function writeFile(
  rng: Rng,
  tensors: { name: string; dtype: 'F32' | 'F16' | 'BF16'; shape: number[]; values: Float32Array }[],
  metadata: Record<string, string> = {},
) {
  const sink = memorySink();
  const plan: PlannedTensor[] = tensors.map(({ name, dtype, shape }) => ({ name, dtype, shape }));
  const w = await SafetensorsWriter.begin(sink, plan, metadata);
  for (const t of tensors) {
    let bytes: Uint8Array;
    if (t.dtype === 'F32') bytes = new Uint8Array(t.values.slice().buffer);
    else {
      const h = new Uint16Array(t.values.length);
      const u = new Uint32Array(t.values.slice().buffer);
      for (let i = 0; i < h.length; i++) h[i] = t.dtype === 'F16' ? f32ToF16Bits(t.values[i]) : u[i] >>> 16;
      bytes = new Uint8Array(h.buffer);
    }
    for (let o = 0; o < bytes.length; ) {
      const n = Math.min(bytes.length - o, rng.int(1, 64));
      await w.write(bytes.subarray(o, (o += n)));
    }
  }
  await w.finish(metadata);
  return sink.bytes();
}

describe('safetensors reader and writer', () => {
  test('round trip of F32, F16 and BF16 tensors, whole and in row windows', async () => {
    const rng = seededRng();
    const rows = rng.int(1, 9);
    const cols = rng.int(1, 13);
    const a = Float32Array.from({ length: rows * cols }, () => rng.normal() * 3);
    const b = Float32Array.from({ length: 12 }, () => rng.normal());
    const c = Float32Array.from({ length: 5 }, () => rng.normal() * 100);
    const bytes = await writeFile(
      rng,
      [
        { name: 'layer.weight', dtype: 'F32', shape: [rows, cols], values: a },
        { name: 'empty', dtype: 'F32', shape: [0, 4], values: new Float32Array(0) },
        { name: 'half', dtype: 'F16', shape: [3, 4], values: b },
        { name: 'brain', dtype: 'BF16', shape: [5], values: c },
      ],
      { note: 'hello' },
    );
    const src = memorySource(bytes, 'roundtrip.safetensors');
    const h = await readSafetensorsHeader(src);
    expect(h.metadata).toEqual({ note: 'hello' });
    expect(h.dataStart % 8).toBe(0);
    expect(h.entries.map((e) => [e.name, e.dtype, e.shape])).toEqual([
      ['layer.weight', 'F32', [rows, cols]],
      ['empty', 'F32', [0, 4]],
      ['half', 'F16', [3, 4]],
      ['brain', 'BF16', [5]],
    ]);
    const get = (n: string) => h.entries.find((e) => e.name === n)!;
    expect(await readFloatTensor(src, get('layer.weight'))).toEqual(a);
    const r0 = rng.int(0, rows - 1);
    const rn = rng.int(0, rows - r0);
    expect(await readFloatRows(src, get('layer.weight'), r0, rn)).toEqual(a.subarray(r0 * cols, (r0 + rn) * cols));
    expect(Array.from(await readFloatTensor(src, get('half')))).toEqual(
      Array.from(b, (v) => f16BitsToF32(f32ToF16Bits(v))),
    );
    const truncBf16 = (v: number) =>
      new Float32Array(new Uint32Array([(new Uint32Array(new Float32Array([v]).buffer)[0] >>> 16) << 16]).buffer)[0];
    expect(Array.from(await readFloatTensor(src, get('brain')))).toEqual(Array.from(c, truncBf16));
    await expect(readFloatRows(src, get('layer.weight'), rows, 1)).rejects.toThrow(ShapeError);
  });

  test('the writer refuses incomplete tensors, overflowing data and duplicate names', async () => {
    const plan: PlannedTensor[] = [{ name: 'a', dtype: 'F32', shape: [2] }];
    const w = await SafetensorsWriter.begin(memorySink(), plan, {});
    await w.write(f32([1]));
    await expect(w.finish({})).rejects.toThrow(/incomplete/);
    await w.write(f32([2]));
    await expect(w.write(f32([3]))).rejects.toThrow(/past the last planned tensor/);
    await expect(SafetensorsWriter.begin(memorySink(), [...plan, ...plan], {})).rejects.toThrow(/used twice/);
  });

  test('header violations are CorruptFileErrors naming the field', async () => {
    const data = f32([1, 2, 3, 4]);
    const ok = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
    };
    expect((await readSafetensorsHeader(memorySource(frame(ok, data, 5)))).entries).toHaveLength(2);
    const cases: [string, Uint8Array, RegExp][] = [
      ['short file', new Uint8Array(5), /fewer than the 8-byte header length/],
      ['header past end', frame(ok, data).subarray(0, 40), /runs past the end/],
      ['truncated data', frame(ok, data).subarray(0, frame(ok, data).length - 3), /truncated/],
      ['trailing bytes', frame(ok, new Uint8Array([...data, 0, 0])), /not indexed/],
      ['not JSON', frame(ok, data).map((v, i) => (i === 12 ? 0x7b : v)), /not valid JSON/],
      ['array header', frame([1, 2], data), /starting with '\{'|JSON object/],
      ['bad dtype', frame({ a: { dtype: 'F33', shape: [4], data_offsets: [0, 16] } }, data), /unknown dtype/],
      [
        'negative shape',
        frame({ a: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, data),
        /non-negative integers/,
      ],
      ['size mismatch', frame({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, data), /needs 12/],
      [
        'hole',
        frame(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [1], data_offsets: [12, 16] },
          },
          data,
        ),
        /hole/,
      ],
      [
        'overlap',
        frame(
          {
            a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
            b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
          },
          data,
        ),
        /overlaps/,
      ],
      ['reversed offsets', frame({ a: { dtype: 'F32', shape: [0], data_offsets: [16, 0] } }, data), /begin ≤ end/],
      ['metadata not strings', frame({ __metadata__: { v: 1 }, ...ok }, data), /must be a string/],
    ];
    // A duplicate key: JSON.parse keeps the last one, which leaves the first one's bytes unindexed.
    const dup = new TextEncoder().encode(
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}',
    );
    const dupFile = new Uint8Array(8 + dup.length + 16);
    new DataView(dupFile.buffer).setUint32(0, dup.length, true);
    dupFile.set(dup, 8);
    cases.push(['duplicate name', dupFile, /hole/]);
    const huge = frame(ok, data);
    new DataView(huge.buffer).setUint32(4, 1, true);
    cases.push(['header length ≥ 2^32', huge, /exceeds/]);
    for (const [what, bytes, message] of cases) {
      const err = await readSafetensorsHeader(memorySource(bytes, what)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, what).toBeInstanceOf(CorruptFileError);
      expect((err as Error).message, what).toMatch(message);
      expect((err as Error).message, what).toContain(what);
    }
  });

  test(
    'fuzz: random and mutated files either parse to ' + 'tensors inside the file or fail with CorruptFileError',
    async () => {
      const rng = seededRng();
      const base = await writeFile(
        rng,
        [
          { name: 'w', dtype: 'F32', shape: [3, 5], values: Float32Array.from({ length: 15 }, () => rng.normal()) },
          { name: 'b', dtype: 'F16', shape: [5], values: Float32Array.from({ length: 5 }, () => rng.normal()) },
        ],
        { k: 'v' },
      );
      let parsed = 0;
      let refused = 0;
      for (let i = 0; i < 3000; i++) {
        let bytes: Uint8Array;
        const kind = i % 4;
        if (kind === 0) bytes = Uint8Array.from({ length: rng.int(0, 300) }, () => rng.int(0, 255));
        else if (kind === 1) bytes = base.subarray(0, rng.int(0, base.length));
        else {
          bytes = base.slice();
          const flips = rng.int(1, 4);
          // Mutations land in the length prefix and the JSON most of the time (data bytes never invalidate a file).
          for (let f = 0; f < flips; f++)
            bytes[rng.int(0, kind === 2 ? 7 : Math.min(bytes.length - 1, 200))] = rng.int(0, 255);
        }
        try {
          const h = await readSafetensorsHeader(memorySource(bytes, 'fuzz'));
          parsed++;
          for (const e of h.entries) {
            expect(e.begin).toBeGreaterThanOrEqual(h.dataStart);
            expect(e.end).toBeLessThanOrEqual(bytes.length);
          }
        } catch (e) {
          if (!(e instanceof CorruptFileError)) throw new Error(`fuzz case ${i}: ${String(e)}`);
          refused++;
        }
      }
      expect(parsed).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(2000);
    },
  );
});

test('crc32 matches the standard check value and is incremental', () => {
  const rng = seededRng();
  expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  const bytes = Uint8Array.from({ length: 100 }, () => rng.int(0, 255));
  const cut = rng.int(0, 100);
  expect(crc32(bytes.subarray(cut), crc32(bytes.subarray(0, cut)))).toBe(crc32(bytes));
});
