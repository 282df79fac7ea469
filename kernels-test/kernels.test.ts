import { describe, test } from 'vitest';
import { FORMAT_FAMILIES } from '../src/formats/traits.js';
import { runCase } from './harness.js';

const examplesOf = (...names: string[]) =>
  FORMAT_FAMILIES.filter((f) => names.includes(f.name)).flatMap((f) => f.examples);

// Every registered family's members (formats/traits.ts): a new family is covered here without a line
// of this file changing. Boundary inputs come from the family's own generator.
describe('quantize/dequantize: GPU codes bit-exact with the CPU, every registered family', () => {
  for (const family of FORMAT_FAMILIES) {
    // K = 1000 is not a multiple of 16/64/128 and 1000·3 bits is not a multiple of 32.
    test.each(family.examples)(`${family.name}: %s, boundary inputs at 19×1000, gaussian at 7×33`, async (format) => {
      await runCase('quantize', { format, rows: 19, cols: 1000, input: 'boundary' }, '19x1000');
      await runCase('quantize', { format, rows: 7, cols: 33, input: 'gaussian' }, '7x33');
    });
  }
});

describe('INT: shapes and heavy-tailed inputs', () => {
  const shapes: [number, number][] = [
    [1, 1],
    [100, 1000],
    [257, 513],
    [1024, 1024],
  ];
  for (const [rows, cols] of shapes) {
    for (const format of ['int4-g32', 'int3-asym-g64', 'int8-grow-f32', 'int5-g16', 'int2-asym-g128-f32']) {
      for (const input of ['gaussian', 'student', 'outliers'] as const) {
        if (rows * cols > 1e5 && input !== 'gaussian') continue;
        test(`${format}, ${rows}×${cols}, ${input}`, async () => {
          await runCase('quantize', { format, rows, cols, input }, `${rows}x${cols}`);
        });
      }
    }
  }
});

describe('group-scaled formats (FP-absmax, MX, NVFP4, NF4): GPU codes bit-exact with the CPU', () => {
  test.each(examplesOf('fp', 'mx', 'nvfp4', 'nf4'))('%s, 7×33 student-t and 257×513 gaussian', async (format) => {
    await runCase('quantize', { format, rows: 7, cols: 33, input: 'student' }, '7x33');
    await runCase('quantize', { format, rows: 257, cols: 513, input: 'gaussian' }, '257x513');
  });
  test.each(['mxfp4', 'mxfp8-e4m3', 'nf4-g64', 'e2m1-g32'])(
    '%s GEMM, weight-only and both operands, 100×1000×37',
    async (format) => {
      await runCase('gemm', { M: 100, K: 1000, N: 37, x: 'f32', w: format }, '100x1000x37');
      await runCase('gemm', { M: 100, K: 1000, N: 37, x: format, w: format }, '100x1000x37');
    },
  );
  test.each(['sq16-opt-r0.9', 'sq16-lm', 'sq4-mm-r0.9', 'sq256-cp-r0.5'])(
    '%s (per-row σ, codebook LUT): 64×256 and 9×4 σ ties, 33×1000 gaussian',
    async (format) => {
      await runCase('quantize', { format, rows: 64, cols: 256, input: 'boundary' }, '64x256');
      await runCase('quantize', { format, rows: 9, cols: 4, input: 'boundary' }, '9x4');
      await runCase('quantize', { format, rows: 33, cols: 1000, input: 'gaussian' }, '33x1000');
    },
  );
  test('codebook GEMM: both operands sq16-opt-r0.9, and W sq256-cp-r0.5 weight-only', async () => {
    await runCase('gemm', { M: 100, K: 1000, N: 37, x: 'sq16-opt-r0.9', w: 'sq16-opt-r0.9' }, '100x1000x37');
    await runCase('gemm', { M: 7, K: 33, N: 5, x: 'f32', w: 'sq256-cp-r0.5' }, '7x33x5');
  });
  test('mixed families in one GEMM: X mxint8 × W int4-asym-g32; X e5m2 × W nf4', async () => {
    await runCase('gemm', { M: 257, K: 513, N: 129, x: 'mxint8', w: 'int4-asym-g32' }, '257x513x129');
    await runCase('gemm', { M: 7, K: 33, N: 5, x: 'e5m2-g16', w: 'nf4-g64' }, '7x33x5');
  });
});

describe(
  'nested-lattice formats (E8 / D4 / Z^n Voronoi codes, ' + 'Hadamard rotation): GPU codes bit-exact with the CPU',
  () => {
    test.each(examplesOf('lattice'))('%s: student-t at 9×4 (K padded to whole blocks)', async (format) => {
      await runCase('quantize', { format, rows: 9, cols: 4, input: 'student' }, '9x4');
    });
    test('e8-q14-k4 on 2^18 blocks (512×4096, student-t): every code word equal', async () => {
      await runCase('quantize', { format: 'e8-q14-k4', rows: 512, cols: 4096, input: 'student' }, '512x4096');
    });
    test.each([
      ['f32', 'e8-q14-k4'],
      ['e8-q14-k4', 'e8-q14-k4'],
      ['f32', 'd4-q16-k4-norot'],
      ['e8-q8-k4', 'e8-q8-k4'],
    ])('GEMM X %s × W %s at 100×1000×37 and 7×33×5', async (x, w) => {
      await runCase('gemm', { M: 100, K: 1000, N: 37, x, w }, '100x1000x37');
      await runCase('gemm', { M: 7, K: 33, N: 5, x, w }, '7x33x5');
    });
    test('universal scheme: codes bit-exact; GEMM/GEMV of two = coded product + K·μμ; f32 × one', async () => {
      // offset rows (mean ≠ 0) so the mean term matters; K = 33 pads, K = 256 does not
      // (e8-q14-k4-u1 is a lattice example: the family loop above checks its codes on boundary inputs)
      await runCase('quantize', { format: 'd4-q8-k2-u3', rows: 7, cols: 33, input: 'student' }, '7x33');
      await runCase(
        'quantize',
        { format: 'e8-q8-k4-u4-nodither-nocentre', rows: 5, cols: 64, input: 'student' },
        '5x64',
      );
      const [x, w] = ['e8-q14-k4-u1', 'e8-q14-k4-u2'];
      await runCase('gemm', { M: 9, K: 256, N: 7, x, w, offset: 30 }, '9x256x7');
      await runCase('gemm', { M: 1, K: 33, N: 5, x: 'e8-q8-k4-u1', w: 'e8-q8-k4-u2', offset: -4 }, '1x33x5');
      await runCase('gemm', { M: 7, K: 33, N: 5, x: 'f32', w: 'z8-q16-k4-u5', offset: 2 }, '7x33x5');
    });
    test('GEMM with both operands E8-coded and no padding (K = 1024): the direct coded×coded product', async () => {
      await runCase('gemm', { M: 64, K: 1024, N: 48, x: 'e8-q14-k4', w: 'e8-q14-k4' }, '64x1024x48');
    });
  },
);

describe('trellis-coded weights (docs/trellis.md) in the matmul templates', () => {
  test('W tcq2-l10, tcq3-l10-norot, tcq4-l9: GEMM and affine GEMV against the f64 product of decoded W', async () => {
    await runCase('gemm', { M: 67, K: 1003, N: 45, x: 'f32', w: 'tcq2-l10' }, '67x1003x45');
    const gemv = { kernel: 'gemv', affine: true };
    await runCase('gemm', { M: 1, K: 517, N: 130, x: 'f32', w: 'tcq3-l10-norot', expect: gemv }, '1x517x130');
    // 7·4 + 9 bits under an 8-block: windows from a third word when the first sits high in its word
    await runCase('gemm', { M: 1, K: 700, N: 37, x: 'f32', w: 'tcq4-l9-g0.98', expect: gemv }, '1x700x37');
  });
  // The family loop above checks the GPU search's codes on boundary rows (ties, heavy tails, zero and
  // subnormal rows) with both cost stores (L ≤ 10 in workgroup memory, L = 12 in storage).
  const viterbi =
    'GPU Viterbi: two-segment rows with clamped outliers (k = 1) in windows of ≤ 2 rows; 8-bit pointers (k = 5)';
  test(viterbi, async () => {
    // 64 KiB bindings hold 3 rows of 4200 inputs, 4 rows of back-pointers; 2 workgroups per dimension
    const twoSegments = { format: 'tcq1-l6-norot', rows: 5, cols: 4200, input: 'outliers' };
    await runCase('quantize', { ...twoSegments, binding: 65536, maxDim: 2 }, '5x4200');
    await runCase('quantize', { format: 'tcq5-l8', rows: 5, cols: 96, input: 'student' }, '5x96');
  });
});

describe('GEMM Y = X·Wᵀ against the f64 reference (rel. Frobenius < 1e-5)', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [7, 33, 5],
    [100, 1000, 37],
    [257, 513, 129],
    [1024, 128, 1024],
    [256, 64, 4096], // exactly 2^20 outputs
  ];
  const combos: [string, string][] = [
    ['f32', 'f32'],
    ['f32', 'int4-g32'],
    ['f32', 'int3-asym-g128-f32'],
    ['int8-g32', 'int4-g32'],
    ['int6-asym-g64', 'int2-grow'],
  ];
  for (const [M, K, N] of shapes) {
    for (const [x, w] of combos) {
      if (M * N * K > 2e7 && !(x === 'f32' && w === 'f32') && !(x === 'f32' && w === 'int4-g32') && !(x === 'int8-g32'))
        continue;
      test(`M=${M} K=${K} N=${N}: X ${x} × W ${w}`, async () => {
        await runCase('gemm', { M, K, N, x, w }, `${M}x${K}x${N}`);
      });
    }
  }
});

describe(
  'fused matmul templates: every format through GEMM ' + 'and GEMV, each path forced, against the f64 reference',
  () => {
    // Awkward shapes: K not a multiple of 8 (a masked last chunk), N and M not multiples of any tile.
    const weightFormats = [
      'f32',
      'int4-g32',
      'int3-asym-g64',
      'int8-grow',
      'int2-g16-f32',
      'int5-asym-g16',
      'mxfp4',
      'mxfp6-e3m2',
      'nvfp4',
      'nf4-g64',
      'e4m3-g32',
      'sq16-opt-r0.9',
      'e8-q14-k4',
      'd4-q16-k4',
      'z8-q16-k4',
    ];
    const gpuTile = { wgX: 8, wgY: 8, rqM: 1, rqN: 1, tileK: 32 };
    for (const w of weightFormats) {
      test(
        `W ${w}: GEMM (CPU-class and GPU-class tiles) and GEMV (split-K with subgroupAdd, with workgroup ` +
          `memory, one thread per row; 1–4 rows per thread)`,
        async () => {
          await runCase(
            'gemm',
            { M: 67, K: 1003, N: 45, x: 'f32', w, expect: { kernel: 'gemm', integer: false } },
            '67x1003x45',
          );
          await runCase('gemm', { M: 9, K: 203, N: 70, x: 'f32', w, options: { tile: gpuTile } }, '9x203x70');
          // (M = 1 and 2 below; M = 1 split-K differs from M = 3 only in the constant GEMV_M)
          for (const M of [3, 4]) {
            await runCase(
              'gemm',
              {
                M,
                K: 1003,
                N: 45,
                x: 'f32',
                w,
                options: { subgroups: true, gemvTile: { rows: 8, lanes: 32, rowsPerThread: M === 3 ? 2 : 1 } },
                expect: { kernel: 'gemv', subgroups: true },
              },
              `${M}x1003x45`,
            );
          }
          await runCase(
            'gemm',
            {
              M: 2,
              K: 517,
              N: 19,
              x: 'f32',
              w,
              options: { subgroups: false, gemvTile: { rows: 8, lanes: 32, rowsPerThread: 3 } },
              expect: { kernel: 'gemv', subgroups: false },
            },
            '2x517x19',
          );
          await runCase(
            'gemm',
            { M: 1, K: 517, N: 130, x: 'f32', w, options: { gemvTile: { rows: 16, lanes: 1, rowsPerThread: 4 } } },
            '1x517x130',
          );
        },
      );
    }

    // Both operands quantized with integer blocks: dot4I8Packed (where the WGSL feature exists) and its emulation.
    const intPairs: [string, string][] = [
      ['int8-g32', 'int4-g32'],
      ['int4-g16', 'int8-grow'],
      ['int6-g32', 'int5-asym-g64'],
      ['int2-g16-f32', 'int3-asym-g32'],
      ['e8-q14-k4', 'e8-q14-k4'],
      ['z8-q16-k4', 'z8-q16-k4'],
    ];
    for (const [x, w] of intPairs) {
      // Lattice pairs need K = Kp (no padding) for the integer path; INT pairs get a masked last chunk.
      const K = x.startsWith('int') ? 1003 : 1024;
      test(`X ${x} × W ${w}: integer GEMM and GEMV, DP4A and emulated, against the decoded product`, async () => {
        for (const dp4a of [true, false]) {
          await runCase(
            'gemm',
            { M: 37, K, N: 29, x, w, options: { dp4a }, expect: { kernel: 'gemm', integer: true, dp4a } },
            `37x${K}x29`,
          );
          await runCase(
            'gemm',
            {
              M: 3,
              K,
              N: 29,
              x,
              w,
              options: { dp4a, subgroups: dp4a, gemvTile: { rows: 4, lanes: 16, rowsPerThread: dp4a ? 2 : 1 } },
              expect: { kernel: 'gemv', integer: true, dp4a },
            },
            `3x${K}x29`,
          );
        }
        await runCase(
          'gemm',
          { M: 5, K: 260, N: 11, x, w, options: { integer: false }, expect: { integer: false } },
          '5x260x11',
        );
      });
    }

    test('activations quantized on the GPU as a pre-pass (options.activations), then the integer path', async () => {
      await runCase(
        'gemm',
        {
          M: 33,
          K: 512,
          N: 40,
          x: 'f32',
          w: 'int4-g32',
          options: { activations: 'int8-g32' },
          expect: { integer: true },
        },
        '33x512x40',
      );
      await runCase(
        'gemm',
        {
          M: 1,
          K: 512,
          N: 40,
          x: 'f32',
          w: 'int4-g32',
          options: { activations: 'int8-g32' },
          expect: { kernel: 'gemv', integer: true },
        },
        '1x512x40',
      );
    });

    test('naive one-thread-per-output kernel (the benchmark floor)', async () => {
      await runCase(
        'gemm',
        { M: 13, K: 300, N: 21, x: 'f32', w: 'nvfp4', options: { kernel: 'naive' }, expect: { kernel: 'naive' } },
        '13x300x21',
      );
      await runCase(
        'gemm',
        {
          M: 13,
          K: 300,
          N: 21,
          x: 'int8-g32',
          w: 'int4-g32',
          options: { kernel: 'naive' },
          expect: { kernel: 'naive' },
        },
        '13x300x21',
      );
    });

    test('LLM shapes: GEMV 1×4096×11008 (int4-g32), GEMM 2048×64×96 and 256×1024×512 (integer path)', async () => {
      await runCase(
        'gemm',
        { M: 1, K: 4096, N: 11008, x: 'f32', w: 'int4-g32', expect: { kernel: 'gemv' } },
        '1x4096x11008',
      );
      await runCase('gemm', { M: 2048, K: 64, N: 96, x: 'f32', w: 'mxfp4' }, '2048x64x96');
      await runCase(
        'gemm',
        { M: 256, K: 1024, N: 512, x: 'int8-g32', w: 'int4-g32', expect: { integer: true } },
        '256x1024x512',
      );
    });
  },
);

describe("ggml's block types through the GEMM and GEMV templates (weight-only), against the f64 reference", () => {
  test("ggml's own tiny.gguf: every block tensor loaded as it is, multiplied (M = 1 and 9)", async () => {
    await runCase('gguf', {});
  });
  // K = 1003: rows zero-padded to whole blocks (32 or 256), the padding never read. Small tiles (the
  // decode is under test; the CPU-class tiles take seconds each to compile), and the default tiles once.
  test('every type at K = 1003 (GEMM and GEMV), q4_K with the default tiles too', async () => {
    const small = {
      tile: { wgX: 4, wgY: 4, rqM: 1, rqN: 1, tileK: 32 },
      gemvTile: { rows: 16, lanes: 1, rowsPerThread: 1 },
    };
    for (const w of FORMAT_FAMILIES.find((f) => f.name === 'ggml')!.examples) {
      await runCase(
        'gemm',
        { M: 41, K: 1003, N: 23, x: 'f32', w, options: small, expect: { kernel: 'gemm' } },
        '41x1003x23',
      );
      await runCase(
        'gemm',
        { M: 2, K: 1003, N: 23, x: 'f32', w, options: small, expect: { kernel: 'gemv' } },
        '2x1003x23',
      );
    }
    await runCase('gemm', { M: 41, K: 1003, N: 23, x: 'f32', w: 'q4_K', expect: { kernel: 'gemm' } }, '41x1003x23');
  });
  const INT = 'the integer path with int8 activations, every type whose element is an integer times a shared factor';
  test(INT, async () => {
    const small = {
      tile: { wgX: 4, wgY: 4, rqM: 1, rqN: 1, tileK: 32 },
      gemvTile: { rows: 16, lanes: 1, rowsPerThread: 1 },
    };
    for (const w of ['q4_0', 'q5_0', 'q8_0', 'iq4_nl', 'q3_K', 'q6_K', 'iq4_xs']) {
      const options = { ...small, integer: true };
      await runCase(
        'gemm',
        { M: 19, K: 512, N: 23, x: 'int8-g32', w, options, expect: { integer: true } },
        '19x512x23',
      );
      await runCase(
        'gemm',
        { M: 1, K: 1003, N: 23, x: 'int8-g32', w, options, expect: { integer: true } },
        '1x1003x23',
      );
    }
  });
});

describe('work split past device limits gives identical results', () => {
  test('64 KiB bindings, ≤ 4 workgroups per dimension', async () => {
    await runCase(
      'split',
      {
        M: 150,
        K: 700,
        N: 300,
        binding: 65536,
        maxDim: 4,
        formats: ['f32', 'int4-g32', 'int3-asym-g64-f32', 'int8-grow', 'mxfp4', 'nf4-g64', 'e8-q14-k4'],
      },
      '150x700x300',
    );
  });
  test('4 KiB bindings (a window per few rows), 2 workgroups per dimension', async () => {
    await runCase(
      'split',
      // (the universal scheme keys its dither by the row's index in the whole matrix, FMT_meta.row0)
      {
        M: 40,
        K: 200,
        N: 70,
        binding: 4096,
        maxDim: 2,
        formats: ['f32', 'int5-asym-g16', 'e8-q8-k4-u1*e8-q8-k4-u2'],
      },
      '40x200x70',
    );
  });
});

describe('calibration statistics', () => {
  test('Σ_X accumulated on the GPU equals the CPU twin (awkward batch sizes)', async () => {
    await runCase('calibration', { n: 37, batches: [1, 50, 129] }, '37x216');
  });
});

describe('WaterSIC output on the GPU', () => {
  test.each([
    [1, 37, 40, 4],
    [33, 70, 24, 3],
  ])('M = %i, W %i×%i at %i bits: (X·diag(s))·Zᵀ with Z as unit-scale INT equals X·Ŵᵀ', async (M, a, n, rate) => {
    await runCase('watersic', { M, a, n, rate }, `${M}x${n}x${a}`);
  });
});
