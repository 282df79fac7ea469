/**
 * Peer libraries for the GPU benchmark, measured in the same page and run: TensorFlow.js's WebGPU
 * backend (`tf.matMul`, f32) and both WebGPU builds of onnxruntime-web running `com.microsoft.MatMulNBits`
 * (4-bit, block 32, built in code): the default entry (`import 'onnxruntime-web'`, the JavaScript WebGPU
 * backend "JSEP") and `onnxruntime-web/webgpu` (the C++ WebGPU execution provider). Each peer's output is
 * checked against the f64 CPU reference before its time counts; a peer that is wrong at a shape is
 * reported there with its error and never timed. Times include what a library call includes (X upload,
 * Y download).
 */
import { f16BitsToF32 } from '../src/formats/f16.js';
import { parseFormat } from '../src/formats/registry.js';
import type { Matrix } from '../src/matrix.js';
import { checkRows } from './check-rows.js';
import { matMulNBitsModel } from './onnx-model.js';
import { wallMs } from './timing.js';

/** A peer set up for one shape, its output already checked: `sample()` times one call. */
export interface PreparedPeer {
  relErr: number;
  bitsPerEntry: number;
  /** Set when the output failed the check: the peer is reported at this shape, never timed. */
  wrong?: string;
  sample(): Promise<number>;
  release(): Promise<void>;
}

/** Largest relative error a peer's output may have against the f64 reference of its own operands. */
const PEER_TOLERANCE = 1e-4;

export interface Peer {
  readonly name: string;
  readonly op: string;
  prepare(x: Matrix, w: Matrix, checkRows: number): Promise<PreparedPeer>;
}

/**
 * The check of a peer's output: its relative error, and why it is wrong when it is. Every row of Y is
 * compared when M ≤ 64 (the default build writes out of bounds at some shapes, which corrupts rows far
 * from the first), else the first `rows` and the last.
 */
function check(y: Float32Array, x: Matrix, w: Matrix, rows: number): { relErr: number; wrong?: string } {
  const n = w.rows;
  if (y.length !== x.rows * n) return { relErr: NaN, wrong: `output has ${y.length} values, expected ${x.rows * n}` };
  let relErr: number;
  if (x.rows <= 64) relErr = checkRows(y, x, w, x.rows);
  else {
    const last = x.rows - 1;
    const lastRow = { rows: 1, cols: x.cols, data: x.data.subarray(last * x.cols) } as Matrix;
    relErr = Math.max(checkRows(y, x, w, rows), checkRows(y.subarray(last * n), lastRow, w, 1));
  }
  return relErr < PEER_TOLERANCE
    ? { relErr }
    : { relErr, wrong: `rel. error ${relErr.toExponential(2)} > ${PEER_TOLERANCE}` };
}

async function tfjsPeer(): Promise<Peer> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend did not initialise');
  await tf.ready();
  return {
    name: 'tfjs-webgpu',
    op: 'tf.matMul f32 (4.22)',
    async prepare(x, w, rows) {
      const a = tf.tensor2d(x.data, [x.rows, x.cols]);
      const b = tf.tensor2d(w.data, [w.rows, w.cols]);
      const run = async () => {
        const y = tf.matMul(a, b, false, true);
        const out = (await y.data()) as Float32Array;
        y.dispose();
        return out;
      };
      return {
        ...check(await run(), x, w, rows),
        bitsPerEntry: 32,
        sample: () =>
          wallMs(
            async () => void (await run()),
            async () => {},
          ),
        release: async () => {
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

/**
 * onnxruntime-web's MatMulNBits through one of its WebGPU builds: `jsep` is the default entry
 * (`import * as ort from 'onnxruntime-web'`), `webgpu` the `onnxruntime-web/webgpu` entry.
 */
async function ortPeer(build: 'jsep' | 'webgpu'): Promise<Peer> {
  const ort = (build === 'jsep'
    ? await import('onnxruntime-web')
    : await import('onnxruntime-web/webgpu')) as unknown as typeof import('onnxruntime-web');
  ort.env.wasm.wasmPaths = new URL('/node_modules/onnxruntime-web/dist/', location.href).href;
  ort.env.wasm.numThreads = 1;
  const int4 = parseFormat('int4-g32');
  const name = build === 'jsep' ? 'ort-jsep' : 'ort-webgpu';
  return {
    name,
    op: `MatMulNBits bits=4 block=32 (onnxruntime-web${build === 'jsep' ? '' : '/webgpu'} ${ort.env.versions.web})`,
    async prepare(x, w, rows) {
      // The same weights as our int4-g32: nibbles low-first, value (q − 8)·scale, block 32.
      const q = int4.encode(w);
      const decoded = int4.decode(q);
      const blocks = w.cols / 32;
      const scales = new Float32Array(w.rows * blocks);
      const sw = q.layout.wordsPerRow.scales;
      for (let n = 0; n < w.rows; n++) {
        for (let b = 0; b < blocks; b++)
          scales[n * blocks + b] = f16BitsToF32((q.scales[n * sw + (b >> 1)] >>> (16 * (b & 1))) & 0xffff);
      }
      const packed = new Uint8Array(q.codes.buffer, q.codes.byteOffset, q.codes.byteLength);
      const model = matMulNBitsModel(x.rows, x.cols, w.rows, packed.slice(), scales);
      const session = await ort.InferenceSession.create(model, { executionProviders: ['webgpu'] });
      const input = new ort.Tensor('float32', x.data, [x.rows, x.cols]);
      const run = async () => (await session.run({ A: input })).Y.data as Float32Array;
      return {
        ...check(await run(), x, decoded, rows),
        bitsPerEntry: q.layout.bitsPerEntry,
        sample: () =>
          wallMs(
            async () => void (await run()),
            async () => {},
          ),
        release: () => session.release(),
      };
    },
  };
}

/** Loads every peer that initialises here; a peer that fails to load is reported and skipped. */
export async function loadPeers(log: (msg: string) => void): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (const [name, load] of [
    ['tfjs-webgpu', tfjsPeer],
    ['ort-jsep', () => ortPeer('jsep')],
    ['ort-webgpu', () => ortPeer('webgpu')],
  ] as const) {
    try {
      peers.push(await load());
    } catch (e) {
      log(`peer ${name} unavailable: ${(e as Error).message}`);
    }
  }
  return peers;
}
