/**
 * Node file implementations of ByteSource / ByteSink (positional reads and writes, nothing held whole).
 * Every file this project writes goes through `atomicFileSink` or `writeFileAtomic`: the bytes go to a
 * temporary file in the target's directory, which is flushed and renamed over the target only when
 * complete. A failed or killed run leaves any previous file byte-identical, and of two concurrent
 * writers one whole file wins. File-system failures become a one-line FileError naming the path.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { FileError } from '../errors.js';
import type { ByteSink, ByteSource } from '../io/byte-source.js';

const FS_ADVICE: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device; free some space or write elsewhere',
  EDQUOT: 'disk quota exceeded; free some space or write elsewhere',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the file name is too long',
  EEXIST: 'already exists',
  EBUSY: 'the file is busy',
  EXDEV: 'cannot rename across file systems',
};

/** A Node fs error as a FileError (other errors pass through unchanged). */
export function fileError(e: unknown, role: 'input' | 'output', operation: string, file: string): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('E')) return e;
  let detail = Object.hasOwn(FS_ADVICE, code) ? FS_ADVICE[code] : (e as Error).message;
  if (role === 'output' && code === 'ENOENT')
    detail = `its directory ${path.dirname(path.resolve(file))} does not exist; create it first`;
  return new FileError(role, operation, file, `${detail} (${code})`, e);
}

async function guarded<T>(
  role: 'input' | 'output',
  operation: string,
  file: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw fileError(e, role, operation, file);
  }
}

/** A ByteSource over a file (positional reads; nothing held whole). Missing files and directories are FileErrors. */
export async function fileSource(file: string): Promise<ByteSource & { close(): Promise<void> }> {
  const fh = await guarded('input', 'open', file, () => open(file, 'r'));
  const info = await fh.stat();
  if (!info.isFile()) {
    await fh.close();
    throw new FileError(
      'input',
      'open',
      file,
      info.isDirectory() ? 'is a directory, not a file (EISDIR)' : 'is not a regular file',
    );
  }
  const size = info.size;
  return {
    name: file,
    size,
    read: (offset, length) =>
      guarded('input', 'read', file, async () => {
        const out = new Uint8Array(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(out, got, length - got, offset + got);
          if (bytesRead === 0)
            throw new FileError(
              'input',
              'read',
              file,
              `it ended at byte ${offset + got} while reading ${length} bytes at ${offset} (did it change ` +
                `during the run?)`,
            );
          got += bytesRead;
        }
        return out;
      }),
    close: () => fh.close(),
  };
}

/** A file sink that also discards everything it wrote (the target is left as it was). */
export interface AtomicSink extends ByteSink {
  /** The temporary file the bytes go to until `close`. */
  readonly tempPath: string;
  abort(): Promise<void>;
}

/** Where the bytes for `file` go until they are complete: a hidden, unique name in the same directory. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * A sink for `file` that writes a temporary file beside it; `close` flushes it to disk and renames it
 * over `file` (atomic on POSIX file systems), `abort` removes it. Nothing touches `file` before `close`.
 */
export async function atomicFileSink(file: string): Promise<AtomicSink> {
  const tempPath = tempPathFor(file);
  const fh: FileHandle = await guarded('output', 'create', file, () => open(tempPath, 'wx'));
  let at = 0;
  let done = false;
  const writeAll = (bytes: Uint8Array, pos: number) =>
    guarded('output', 'write', file, async () => {
      for (let n = 0; n < bytes.length; ) n += (await fh.write(bytes, n, bytes.length - n, pos + n)).bytesWritten;
    });
  const discard = async () => {
    if (done) return;
    done = true;
    await fh.close().catch(() => {});
    await rm(tempPath, { force: true });
  };
  return {
    name: file,
    tempPath,
    write: async (b) => {
      await writeAll(b, at);
      at += b.length;
    },
    patch: (offset, b) => writeAll(b, offset),
    close: async () => {
      if (done) throw new FileError('output', 'finish', file, 'the output was already closed or aborted');
      try {
        await guarded('output', 'flush', file, () => fh.sync());
        await fh.close();
        done = true;
        await guarded('output', 'replace', file, () => rename(tempPath, file));
      } catch (e) {
        await discard();
        throw e;
      }
    },
    abort: discard,
  };
}

/** A whole input file's bytes; a missing or unreadable file is a FileError naming it. */
export async function readInputFile(file: string): Promise<Uint8Array> {
  const b = await readFile(file).catch((e) => {
    throw fileError(e, 'input', 'read', file);
  });
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Writes `data` to `file` through a temporary file and a rename (see atomicFileSink). */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const sink = await atomicFileSink(file);
  try {
    await sink.write(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    await sink.close();
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

/** The identity of a path for "is this the same file?": device and inode when it exists, else its resolved path. */
export async function fileIdentity(file: string): Promise<string> {
  try {
    const s = await stat(file);
    return `inode ${s.dev}:${s.ino}`;
  } catch {
    const dir = await realpath(path.dirname(path.resolve(file))).catch(() => path.dirname(path.resolve(file)));
    return `path ${path.join(dir, path.basename(file))}`;
  }
}
