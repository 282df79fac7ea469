#!/usr/bin/env node
// npm run check:stream [-- --gib 1 --format int4-g32]
// Writes a generated safetensors checkpoint of --gib GiB (4096×4096 f32 tensors, Gaussian-ish values),
// quantizes it with the wqe CLI on the CPU reference, and prints the CLI's peak RSS: the streaming
// readers and writers keep memory at one row chunk whatever the file size. Not a test: a measurement.
import { execFile } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const gib = Number(opt('--gib', '1'));
const format = opt('--format', 'int4-g32');
const side = 4096;
const tensorBytes = side * side * 4;
const count = Math.max(1, Math.round((gib * 2 ** 30) / tensorBytes));
const dir = mkdtempSync(path.join(tmpdir(), 'wqe-stream-'));
const file = path.join(dir, 'big.safetensors');
try {
  const header = {};
  for (let t = 0; t < count; t++)
    header[`layers.${t}.weight`] = {
      dtype: 'F32',
      shape: [side, side],
      data_offsets: [t * tensorBytes, (t + 1) * tensorBytes],
    };
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const fd = openSync(file, 'w');
  const len = Buffer.alloc(8);
  len.writeUInt32LE(json.length, 0);
  writeSync(fd, len);
  writeSync(fd, json);
  // Sum of 4 uniforms (Irwin–Hall, near Gaussian) from a xorshift generator: fast and reproducible.
  let s = 0x9e3779b9;
  const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 2 ** 32);
  const rows = new Float32Array(side * 256);
  for (let t = 0; t < count; t++) {
    for (let r = 0; r < side; r += 256) {
      for (let i = 0; i < rows.length; i++) rows[i] = (rnd() + rnd() + rnd() + rnd() - 2) * 0.05;
      writeSync(fd, new Uint8Array(rows.buffer));
    }
  }
  closeSync(fd);
  process.stderr.write(
    `wrote ${file}: ${count} tensors of ${side}×${side} f32, ${(statSync(file).size / 2 ** 30).toFixed(3)} GiB\n`,
  );
  const out = path.join(dir, 'big.wqe.safetensors');
  const t0 = Date.now();
  const { stderr } = await promisify(execFile)(
    process.execPath,
    ['bin/wqe.mjs', 'quantize', file, '--format', format, '--cpu', '-o', out],
    { maxBuffer: 1 << 26 },
  );
  const rss = /peak RSS (\d+) MiB/.exec(stderr)?.[1];
  process.stdout.write(
    `input ${(statSync(file).size / 2 ** 30).toFixed(3)} GiB → ${format} container ` +
      `${(statSync(out).size / 2 ** 20).toFixed(1)} MiB in ${((Date.now() - t0) / 1000).toFixed(0)} s; CLI peak ` +
      `RSS ${rss} MiB (limit 512 MiB)\n`,
  );
  if (!(Number(rss) < 512)) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
