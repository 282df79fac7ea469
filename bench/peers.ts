/**
 * Peer libraries for the GPU benchmark, measured in the same page and run: TensorFlow.js's WebGPU
 * backend (`tf.matMul`, f32) and onnxruntime-web's WebGPU execution provider (`com.microsoft.MatMulNBits`,
 * 4-bit, block 32, built in code). Each peer's output is checked against the f64 CPU reference before
 * its time counts. Times include what a library call includes (X upload, Y download).
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
  sample(): Promise<number>;
  release(): Promise<void>;
}

export interface Peer {
  readonly name: string;
  readonly op: string;
  prepare(x: Matrix, w: Matrix, checkRows: number): Promise<PreparedPeer>;
}

function check(name: string, y: Float32Array, x: Matrix, w: Matrix, rows: number): number {
  const err = checkRows(y, x, w, rows);
  if (!(err < 1e-4))
    throw new Error(`peer ${name}: output does not match the CPU reference (rel. error ${err}); not timing it`);
  return err;
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
      const relErr = check('tfjs-webgpu', await run(), x, w, rows);
      return {
        relErr,
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

async function ortPeer(): Promise<Peer> {
  const ort = await import('onnxruntime-web/webgpu');
  ort.env.wasm.wasmPaths = new URL('/node_modules/onnxruntime-web/dist/', location.href).href;
  ort.env.wasm.numThreads = 1;
  const int4 = parseFormat('int4-g32');
  return {
    name: 'ort-webgpu',
    op: 'MatMulNBits bits=4 block=32 (onnxruntime-web/webgpu 1.30)',
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
      const relErr = check('ort-webgpu', await run(), x, decoded, rows);
      return {
        relErr,
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
    ['ort-webgpu', ortPeer],
  ] as const) {
    try {
      peers.push(await load());
    } catch (e) {
      log(`peer ${name} unavailable: ${(e as Error).message}`);
    }
  }
  return peers;
}
