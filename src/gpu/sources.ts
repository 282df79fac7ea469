import { InternalError } from '../errors.js';
/**
 * The WGSL sources under shaders/, bundled as strings by vite (and by vitest in Node). Keys are paths
 * relative to shaders/, e.g. `formats/int.wgsl`.
 */
const raw = import.meta.glob('../../shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

const WGSL_SOURCES: ReadonlyMap<string, string> = new Map(
  Object.entries(raw).map(([path, text]) => [path.replace(/^.*?shaders\//, ''), text]),
);

export function wgslSource(path: string): string {
  const s = WGSL_SOURCES.get(path);
  if (s === undefined)
    throw new InternalError(`no WGSL source shaders/${path} (have: ${[...WGSL_SOURCES.keys()].join(', ')})`);
  return s;
}
