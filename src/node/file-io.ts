/** Node file implementations of ByteSource / ByteSink (positional reads and writes, nothing held whole). */
import { open } from 'node:fs/promises';
import type { ByteSink, ByteSource } from '../io/byte-source.js';

export async function fileSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  return {
    name: path,
    size,
    read: async (offset, length) => {
      const out = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(out, got, length - got, offset + got);
        if (bytesRead === 0) throw new RangeError(`${path}: file ended at byte ${offset + got} while reading ${length} bytes at ${offset}`);
        got += bytesRead;
      }
      return out;
    },
    close: () => fh.close(),
  };
}

export async function fileSink(path: string): Promise<ByteSink> {
  const fh = await open(path, 'w');
  let at = 0;
  const writeAll = async (bytes: Uint8Array, pos: number) => {
    for (let done = 0; done < bytes.length; ) done += (await fh.write(bytes, done, bytes.length - done, pos + done)).bytesWritten;
  };
  return {
    name: path,
    write: async (b) => {
      await writeAll(b, at);
      at += b.length;
    },
    patch: (offset, b) => writeAll(b, offset),
    close: () => fh.close(),
  };
}
