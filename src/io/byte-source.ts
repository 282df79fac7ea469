/**
 * Random-access byte input, so readers can stream a multi-GB file instead of holding it whole. The
 * Node file implementation is in src/node/file-io.ts; `memorySource` wraps bytes already in memory.
 */
import { CorruptFileError } from '../errors.js';

/** Random-access byte input: a file read in pieces (node/file-io.ts) or bytes in memory (memorySource). */
export interface ByteSource {
  /** What the bytes are (a file path), for error messages. */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`; the caller keeps offset + length ≤ size. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A ByteSource over bytes already in memory. */
export function memorySource(bytes: Uint8Array, name = 'buffer'): ByteSource {
  return {
    name,
    size: bytes.length,
    read: async (offset, length) => {
      if (offset < 0 || length < 0 || offset + length > bytes.length)
        throw new CorruptFileError(
          name,
          'bytes',
          offset,
          `read of ${length} bytes at ${offset} past its ${bytes.length} bytes`,
        );
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** Sequential byte output that can patch bytes already written (a file header finished last). */
export interface ByteSink {
  readonly name: string;
  write(bytes: Uint8Array): Promise<void>;
  /** Overwrites bytes at `offset` (< bytes written so far). */
  patch(offset: number, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** A sink that keeps everything in memory; `bytes()` returns what was written. */
export function memorySink(name = 'buffer'): ByteSink & { bytes(): Uint8Array } {
  const parts: Uint8Array[] = [];
  let joined: Uint8Array | null = null;
  const join = () => {
    if (!joined) {
      joined = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) joined.set(p, (o += p.length) - p.length);
      parts.length = 0;
      parts.push(joined);
    }
    return joined;
  };
  return {
    name,
    write: async (b) => {
      parts.push(b.slice());
      joined = null;
    },
    patch: async (offset, b) => join().set(b, offset),
    close: async () => {},
    bytes: join,
  };
}
