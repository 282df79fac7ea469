import { describe, expect, test } from 'vitest';
import { CorruptFileError, FormatError, UnsupportedVersionError } from '../src/errors.js';
import { parseFormat } from '../src/formats/registry.js';
import { memorySink, memorySource } from '../src/io/byte-source.js';
import { ContainerReader, ContainerWriter, headerDigestText, type ContainerPlanEntry } from '../src/io/container.js';
import { crc32, crcHex } from '../src/io/crc32.js';
import { readSafetensorsHeader } from '../src/io/safetensors.js';
import { gaussianMatrix } from '../src/reference/random.js';
import { seededRng } from './seed.js';

const FORMATS = ['int4-g32', 'int3-asym-g64', 'e8-q14-k4', 'nvfp4', 'mxfp4', 'sq16-opt-r0.9', 'nf4-g64'];

/**
 * Rebuilds a container with its `wqe.*` metadata changed by `edit` (data bytes kept). `resign` recomputes
 * the header checksum, as a writer of a deliberately different file would, so the checks behind it run.
 */
async function withMetadata(
  bytes: Uint8Array,
  edit: (m: Record<string, string>) => void,
  resign = true,
): Promise<Uint8Array> {
  const h = await readSafetensorsHeader(memorySource(bytes));
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + dv.getUint32(0, true))));
  edit(json.__metadata__);
  if (resign)
    json.__metadata__['wqe.header_crc32'] = crcHex(
      crc32(
        new TextEncoder().encode(
          headerDigestText(
            json.__metadata__,
            h.entries.map((e) => ({ ...e, begin: e.begin - h.dataStart, end: e.end - h.dataStart })),
          ),
        ),
      ),
    );
  const head = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(8 + head.length + bytes.length - h.dataStart);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 8);
  out.set(bytes.subarray(h.dataStart), 8 + head.length);
  return out;
}

describe('quantized container', () => {
  test('round trip is bit-exact for every format family, rows written in random chunks', async () => {
    const rng = seededRng();
    const plan: ContainerPlanEntry[] = [];
    const mats = FORMATS.map((id, i) => {
      const m = gaussianMatrix(rng.int(1, 7), rng.int(1, 150), rng);
      plan.push({
        name: `layer${i}.${id}`,
        kind: 'quantized',
        format: parseFormat(id),
        rows: m.rows,
        cols: m.cols,
        shape: [m.cols, m.rows],
        transposed: true,
      });
      return m;
    });
    const bias = Float32Array.from({ length: 9 }, () => rng.normal());
    plan.splice(2, 0, { name: 'bias', kind: 'copied', dtype: 'F32', shape: [9] });
    const sink = memorySink();
    const w = await ContainerWriter.begin(sink, plan);
    const encoded = FORMATS.map((id, i) => parseFormat(id).encode(mats[i]));
    for (const p of plan) {
      if (p.kind === 'copied') {
        await w.writeFloat(bias);
        continue;
      }
      const m = mats[FORMATS.indexOf(p.format.id)];
      for (let r = 0; r < m.rows; ) {
        const n = rng.int(1, m.rows - r);
        await w.writeRows(
          p.format.encode({ rows: n, cols: m.cols, data: m.data.subarray(r * m.cols, (r + n) * m.cols) }),
        );
        r += n;
      }
    }
    await w.finish();
    const reader = await ContainerReader.open(memorySource(sink.bytes(), 'model.wqe.safetensors'));
    expect([...reader.tensors.keys()].sort()).toEqual(plan.map((p) => p.name).sort());
    expect(await reader.readFloat('bias')).toEqual(bias);
    for (const [i, id] of FORMATS.entries()) {
      const got = await reader.readQuantized(`layer${i}.${id}`);
      const want = encoded[i];
      // NVFP4's tensor scale comes from the whole tensor: chunked rows carry their chunk's scale, so only
      // the streams of formats without one compare to the whole-matrix encode.
      expect(got.format.id).toBe(id);
      expect([got.rows, got.cols]).toEqual([want.rows, want.cols]);
      if (id !== 'nvfp4') {
        expect(got.codes).toEqual(want.codes);
        expect(got.scales).toEqual(want.scales);
        expect(got.aux).toEqual(want.aux);
      }
      const info = reader.tensors.get(`layer${i}.${id}`)!;
      expect(info.kind === 'quantized' && info.bitsPerEntry).toBe(parseFormat(id).layout(want.cols).bitsPerEntry);
    }
    const sq = reader.tensors.get(`layer5.sq16-opt-r0.9`)!;
    expect(sq.kind === 'quantized' && sq.codebook?.length).toBe(16);
    const e8 = reader.tensors.get(`layer2.e8-q14-k4`)!;
    expect(e8.kind === 'quantized' && e8.params).toMatchObject({
      betas: expect.any(Array),
      rotationSeed: expect.any(Number),
    });
  });

  test(
    'a flipped data byte, an unknown version, a foreign ' + 'file and changed format parameters are refused',
    async () => {
      const rng = seededRng();
      const m = gaussianMatrix(4, 64, rng);
      const f = parseFormat('e8-q14-k4');
      const sink = memorySink();
      const w = await ContainerWriter.begin(sink, [
        { name: 'w', kind: 'quantized', format: f, rows: 4, cols: 64, shape: [4, 64], transposed: false },
      ]);
      await w.writeRows(f.encode(m));
      await w.finish();
      const good = sink.bytes();
      const h = await readSafetensorsHeader(memorySource(good));
      const flipped = good.slice();
      const at = rng.int(h.dataStart, good.length - 1);
      flipped[at] ^= 1 << rng.int(0, 7);
      await expect((await ContainerReader.open(memorySource(flipped, 'flipped'))).readQuantized('w')).rejects.toThrow(
        /checksum mismatch/,
      );
      await expect(
        (await ContainerReader.open(memorySource(flipped, 'flipped'))).readQuantized('w'),
      ).rejects.toBeInstanceOf(CorruptFileError);
      const future = await withMetadata(good, (md) => (md['wqe.version'] = '3'));
      await expect(ContainerReader.open(memorySource(future, 'future'))).rejects.toBeInstanceOf(
        UnsupportedVersionError,
      );
      await expect(ContainerReader.open(memorySource(future, 'future'))).rejects.toThrow(
        /version "3" is not supported.*reads 2/,
      );
      const old = await withMetadata(good, (md) => (md['wqe.version'] = '1'));
      await expect(ContainerReader.open(memorySource(old, 'old'))).rejects.toThrow(
        /version "1" is not supported.*re-create it with wqe quantize/,
      );
      const foreign = await withMetadata(good, (md) => delete md['wqe.format']);
      await expect(ContainerReader.open(memorySource(foreign, 'foreign'))).rejects.toThrow(/not a quantized container/);
      const changed = await withMetadata(good, (md) => {
        const t = JSON.parse(md['wqe.tensors']);
        t.w.params.betas[0] += 0.5;
        md['wqe.tensors'] = JSON.stringify(t);
      });
      await expect(
        (await ContainerReader.open(memorySource(changed, 'changed'))).readQuantized('w'),
      ).rejects.toBeInstanceOf(FormatError);
      const wrongShape = await withMetadata(good, (md) => {
        const t = JSON.parse(md['wqe.tensors']);
        t.w.rows = 5;
        md['wqe.tensors'] = JSON.stringify(t);
      });
      await expect(ContainerReader.open(memorySource(wrongShape, 'wrong'))).rejects.toThrow(/says 5 rows/);
      const back = await (await ContainerReader.open(memorySource(good))).readQuantized('w');
      expect(f.decode(back).data).toEqual(f.decode(f.encode(m)).data);
    },
  );
});
