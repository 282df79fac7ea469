/**
 * WebGPU in Node through the `webgpu` package (Dawn). Returns an engine, or null with the reason when
 * the package, a Vulkan loader or an adapter is missing, so callers can fall back to the CPU reference.
 */
import { createEngine, type Engine } from '../engine.js';

/**
 * An engine on Dawn (the optional `webgpu` package) in Node, or `engine: null` with the reason (no package, no Vulkan
 * driver, no adapter) so callers can fall back to the CPU reference.
 */
export async function nodeEngine(): Promise<{ engine: Engine; adapter: string } | { engine: null; reason: string }> {
  let mod: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as typeof mod;
  } catch (e) {
    return { engine: null, reason: `the 'webgpu' package is not installed (${(e as Error).message.split('\n')[0]})` };
  }
  // The engine uses the WebGPU globals (GPUBufferUsage, GPUMapMode, …) as a browser provides them.
  for (const [k, v] of Object.entries(mod.globals))
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = mod.create([]);
  if (!(await gpu.requestAdapter()))
    return {
      engine: null,
      reason: "Dawn found no WebGPU adapter (no Vulkan driver here; --swiftshader uses Chromium's software one)",
    };
  const engine = await createEngine({ gpu });
  const info = engine.adapterInfo;
  return {
    engine,
    adapter: [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown adapter',
  };
}
