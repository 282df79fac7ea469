/**
 * The graph runner in the browser: every op it runs against the CPU reference (single-op graphs with
 * seeded random inputs), and both PP-OCRv4 models whole against onnxruntime-web (wasm).
 */
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { openPage } from '../tools/chromium.mjs';
import type { ModelCase, OpCase } from './graph-page.js';

const MASTER =
  process.env.KERNEL_SEED !== undefined ? Number(process.env.KERNEL_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
let counter = 0;
const seed = () => (Math.imul(MASTER ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(++counter, 0x165667b1)) >>> 0;

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await puppeteer.connect({ browserWSEndpoint: inject('wsEndpoint'), protocolTimeout: 30 * 60 * 1000 });
  page = await openPage(browser, inject('baseUrl'), '/kernels-test/graph.html', (l) => {
    if (/error/i.test(l)) console.log(l);
  });
  console.log(`[graph] master seed ${MASTER} (KERNEL_SEED=${MASTER} reproduces)`);
});
afterAll(async () => {
  await page?.close().catch(() => {});
  await browser?.disconnect();
});

async function op(c: Omit<OpCase, 'seed'>, tolerance = 1e-5) {
  const s = seed();
  const r = await page.evaluate((req) => window.graphSuite.op(req), { ...c, seed: s });
  expect(r.relErr, `${c.op} ${JSON.stringify(c.attrs ?? {})} (case seed ${s}, KERNEL_SEED=${MASTER})`).toBeLessThan(
    tolerance,
  );
  return r;
}

describe('graph ops against the CPU reference', () => {
  test('element-wise: Add/Sub/Mul/Div/Pow with broadcasting, unary ops with their parameters', async () => {
    for (const o of ['Add', 'Sub', 'Mul', 'Div']) {
      await op({ op: o, inputs: [{ dims: [2, 3, 5, 7] }, { dims: [3, 1, 7], range: [0.5, 2] }] });
      await op({ op: o, inputs: [{ dims: [4, 1] }, { dims: [1], constant: true, range: [0.5, 2] }] });
    }
    await op({ op: 'Pow', inputs: [{ dims: [3, 9] }, { dims: [1], constant: true, floats: [2] }] });
    await op({
      op: 'Pow',
      inputs: [
        { dims: [3, 9], range: [0.1, 3] },
        { dims: [9], range: [-1.5, 1.5] },
      ],
    });
    for (const o of ['Relu', 'Sigmoid', 'Sqrt'])
      await op({ op: o, inputs: [{ dims: [5, 33], range: o === 'Sqrt' ? [0, 4] : [-3, 3] }] });
    await op({ op: 'HardSigmoid', inputs: [{ dims: [77], range: [-6, 6] }], attrs: { alpha: 0.2, beta: 0.5 } });
    await op({ op: 'Clip', inputs: [{ dims: [77], range: [-9, 9] }], attrs: { min: 0, max: 6 }, opset: 9 });
    await op({
      op: 'Clip',
      inputs: [
        { dims: [77], range: [-9, 9] },
        { dims: [], constant: true, floats: [-1] },
        { dims: [], constant: true, floats: [2.5] },
      ],
    });
  });

  test(
    'Conv: groups (depthwise), strides, pads, dilations, bias; ConvTranspose; MatMul on weights and on two ' +
      'activations',
    async () => {
      await op({
        op: 'Conv',
        inputs: [{ dims: [1, 3, 17, 13] }, { dims: [8, 3, 3, 3], constant: true }, { dims: [8], constant: true }],
        attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], group: 1 },
      });
      await op({
        op: 'Conv',
        inputs: [{ dims: [2, 6, 9, 11] }, { dims: [4, 6, 1, 1], constant: true }],
        attrs: { kernel_shape: [1, 1] },
      });
      await op({
        op: 'Conv',
        inputs: [{ dims: [1, 4, 12, 10] }, { dims: [6, 4, 3, 2], constant: true }, { dims: [6], constant: true }],
        attrs: { kernel_shape: [3, 2], strides: [1, 2], pads: [2, 0, 1, 1], dilations: [2, 1] },
      });
      await op({
        op: 'Conv',
        inputs: [{ dims: [1, 8, 10, 9] }, { dims: [8, 1, 5, 5], constant: true }, { dims: [8], constant: true }],
        attrs: { kernel_shape: [5, 5], strides: [2, 1], pads: [2, 2, 2, 2], group: 8 },
      });
      await op({
        op: 'Conv',
        inputs: [{ dims: [1, 6, 7, 7] }, { dims: [4, 3, 3, 3], constant: true }],
        attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: 2 },
      });
      await op({
        op: 'ConvTranspose',
        inputs: [{ dims: [1, 5, 6, 7] }, { dims: [5, 3, 2, 2], constant: true }, { dims: [3], constant: true }],
        attrs: { kernel_shape: [2, 2], strides: [2, 2] },
      });
      await op({
        op: 'ConvTranspose',
        inputs: [{ dims: [1, 4, 5, 5] }, { dims: [4, 2, 3, 3], constant: true }],
        attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
      });
      await op({ op: 'MatMul', inputs: [{ dims: [1, 37, 24] }, { dims: [24, 40], constant: true }] });
      await op({ op: 'MatMul', inputs: [{ dims: [2, 3, 11, 8] }, { dims: [2, 3, 8, 13] }] });
      await op({ op: 'MatMul', inputs: [{ dims: [2, 3, 11, 8] }, { dims: [8, 5] }] });
    },
  );

  test(
    'MatMul and Conv with quantized weights (int4, e8 ' + 'rotated, nf4) equal the reference on the decoded weights',
    async () => {
      for (const weights of ['int4-g32', 'e8-q14-k4', 'nf4-g64']) {
        const r = await op({
          op: 'MatMul',
          inputs: [{ dims: [1, 9, 64] }, { dims: [64, 40], constant: true }],
          weights,
        });
        expect(r.outDims).toEqual([1, 9, 40]);
        await op({
          op: 'Conv',
          inputs: [{ dims: [1, 5, 9, 8] }, { dims: [7, 5, 3, 3], constant: true }, { dims: [7], constant: true }],
          attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
          weights,
        });
      }
    },
  );

  test(
    'reductions and pooling: Softmax (opset 11 flattening), ' + 'ReduceMean, GlobalAveragePool, AveragePool',
    async () => {
      await op({ op: 'Softmax', inputs: [{ dims: [2, 3, 5, 129], range: [-8, 8] }], attrs: { axis: 3 } });
      await op({ op: 'Softmax', inputs: [{ dims: [2, 3, 7] }], attrs: { axis: 1 } });
      await op({ op: 'ReduceMean', inputs: [{ dims: [2, 5, 120] }], attrs: { axes: [-1], keepdims: 1 } });
      await op({ op: 'ReduceMean', inputs: [{ dims: [3, 4, 6] }], attrs: { axes: [0, 2], keepdims: 0 } });
      await op({ op: 'GlobalAveragePool', inputs: [{ dims: [2, 7, 5, 9] }] });
      await op({
        op: 'AveragePool',
        inputs: [{ dims: [1, 3, 9, 10] }],
        attrs: { kernel_shape: [3, 2], strides: [3, 2], pads: [0, 0, 0, 0] },
      });
      await op({
        op: 'AveragePool',
        inputs: [{ dims: [1, 2, 7, 7] }],
        attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 },
      });
    },
  );

  test(
    'layout: Transpose, Slice (attributes and inputs), Concat, Resize (nearest), Reshape views, ' +
      'BatchNormalization',
    async () => {
      await op({ op: 'Transpose', inputs: [{ dims: [2, 3, 4, 5, 6] }], attrs: { perm: [2, 0, 3, 1, 4] } });
      await op({
        op: 'Slice',
        inputs: [{ dims: [5, 7] }],
        attrs: { starts: [1, -5], ends: [4, 100], axes: [0, 1] },
        opset: 9,
      });
      await op({
        op: 'Slice',
        inputs: [
          { dims: [6, 8] },
          { dims: [1], ints: [7] },
          { dims: [1], ints: [0] },
          { dims: [1], ints: [1] },
          { dims: [1], ints: [-2] },
        ],
      });
      await op({
        op: 'Concat',
        inputs: [{ dims: [1, 3, 4, 5] }, { dims: [1, 2, 4, 5] }, { dims: [1, 1, 4, 5], constant: true }],
        attrs: { axis: 1 },
      });
      await op({ op: 'Concat', inputs: [{ dims: [2, 3] }, { dims: [2, 5] }], attrs: { axis: -1 } });
      await op({
        op: 'Resize',
        inputs: [
          { dims: [1, 2, 5, 7] },
          { dims: [0], constant: true, floats: [] },
          { dims: [4], constant: true, floats: [1, 1, 2, 2] },
        ],
        attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
      });
      await op({
        op: 'Resize',
        inputs: [
          { dims: [1, 1, 4, 6] },
          { dims: [0], constant: true, floats: [] },
          { dims: [4], constant: true, floats: [1, 1, 1.5, 0.5] },
        ],
        attrs: { mode: 'nearest', coordinate_transformation_mode: 'half_pixel', nearest_mode: 'round_prefer_floor' },
      });
      await op({
        op: 'BatchNormalization',
        inputs: [
          { dims: [1, 4, 3, 3] },
          { dims: [4], constant: true },
          { dims: [4], constant: true },
          { dims: [4], constant: true },
          { dims: [4], constant: true, range: [0.5, 2] },
        ],
        attrs: { epsilon: 1e-5 },
      });
    },
  );
});

test('epilogue fusion: bias, affine maps, hard-swish and swish fused; a value read twice is not', async () => {
  const s = seed();
  const r = await page.evaluate((x) => window.graphSuite.fusion(x), s);
  console.log(`[graph] fusion (case seed ${s}): ${JSON.stringify(r)}`);
  for (const [k, e] of Object.entries(r.relErr)) expect(e, `${k} (case seed ${s})`).toBeLessThan(1e-5);
  // Conv + 8 fused; Conv (its output read twice) + Relu + Add; MatMul + 3 fused.
  expect(r.fused).toBe(11);
  expect(r.nodes).toBe(5);
});

describe('PP-OCRv4 on the graph runner (f32 weights) against onnxruntime-web (wasm)', () => {
  async function both(c: ModelCase, what: string) {
    // Unfused, every node's output compared; then fused (the default) at the output.
    const each = await page.evaluate((req) => window.graphSuite.model(req), { ...c, perNode: true, fuse: false });
    const fused = await page.evaluate((req) => window.graphSuite.model(req), c);
    console.log(
      `[graph] ${what} f32: output relErr ${fused.relErr} fused (${fused.report.nodes} nodes, ` +
        `${fused.report.fused} fused into epilogues, ${fused.report.dispatches} dispatches), ${each.relErr} unfused; ` +
        `${each.nodes} node outputs compared, worst ${JSON.stringify(each.worstNode)}, first over 1e-4: ` +
        `${each.firstDivergent}; ${each.report.folded} folded at load, weights ${fused.report.weightBytes} B, ` +
        `activations ${fused.report.activationBytes} B (${fused.report.activationBytesUnshared} without reuse)`,
    );
    for (const r of [each, fused]) expect(r.relErr).toBeLessThan(1e-4);
    expect(each.firstDivergent).toBeNull();
    return { each, fused };
  }
  test('recogniser 1×3×48×320: output within 1e-4, every node compared', async () => {
    const { each } = await both({ model: 'rec', dims: [1, 3, 48, 320], seed: seed() }, 'rec');
    expect(each.nodes).toBe(403); // every node the model runs after load-time folding (BatchNormalizations included)
  });
  test('detector on a rendered text image 1×3×96×256: output within 1e-4, every node compared', async () => {
    // On noise the detector's probabilities are ~1e-11, where onnxruntime's fast sigmoid returns exact 0s.
    await both({ model: 'det', dims: [1, 3, 96, 256], seed: seed(), input: 'text' }, 'det');
  });
});
