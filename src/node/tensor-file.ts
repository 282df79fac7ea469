/**
 * Input tensors for `wqe run`: NumPy `.npy` files (format versions 1–3, little-endian f4/f8/i4/i8/u1 in C
 * order, converted to f32) and raw little-endian f32 `.bin` files, whose shape the caller gives.
 */
import { CorruptFileError, ShapeError } from '../errors.js';

/** A tensor as the graph runner takes it. */
export interface HostTensor {
  readonly dims: number[];
  readonly data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const READERS: Record<string, [number, (v: DataView, at: number) => number]> = {
  '<f4': [4, (v, at) => v.getFloat32(at, true)],
  '<f8': [8, (v, at) => v.getFloat64(at, true)],
  '<i4': [4, (v, at) => v.getInt32(at, true)],
  '<i8': [8, (v, at) => Number(v.getBigInt64(at, true))],
  '|u1': [1, (v, at) => v.getUint8(at)],
};

/** Reads a .npy file's bytes (`what` names it in errors). */
export function readNpy(bytes: Uint8Array, what = '.npy file'): HostTensor {
  const fail = (field: string, at: number, msg: string): never => {
    throw new CorruptFileError(what, field, at, msg);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('magic', 0, 'not a .npy file (no \\x93NUMPY)');
  const major = bytes[6];
  if (major < 1 || major > 3) fail('version', 6, `format version ${major} is not 1, 2 or 3`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length) fail('header', start, 'the header runs past the end of the file');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    fail('header', start, `header ${JSON.stringify(header.trim())} lacks descr, fortran_order or shape`);
  if (fortran === 'True') fail('header', start, 'Fortran-order arrays are not supported (save with C order)');
  const reader = READERS[descr!];
  if (!reader) fail('descr', start, `dtype '${descr}' is not one of ${Object.keys(READERS).join(', ')}`);
  const dims = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0))
    fail('shape', start, `shape (${shapeText}) is not whole numbers`);
  const count = dims.reduce((a, b) => a * b, 1);
  const [size, get] = reader!;
  const dataAt = start + headerLength;
  if (bytes.length - dataAt !== count * size)
    fail(
      'data',
      dataAt,
      `${bytes.length - dataAt} bytes of data for shape (${dims.join(', ')}) of ${descr}, expected ${count * size}`,
    );
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = get(view, dataAt + i * size);
  return { dims, data };
}

/** Reads raw little-endian f32 bytes as a tensor of `dims` (its size must match exactly). */
export function readRawF32(bytes: Uint8Array, dims: readonly number[], what = '.bin file'): HostTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== 4 * count)
    throw new ShapeError(`${what}: ${bytes.length} bytes, expected ${4 * count} for f32 of shape [${dims.join(', ')}]`);
  const data = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
  return { dims: [...dims], data };
}
