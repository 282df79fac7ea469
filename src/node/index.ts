/**
 * The Node entry (`webgpu-quant-engine/node`): WebGPU through Dawn (the optional `webgpu` package), file
 * I/O that never loses data (atomic writes, streaming reads), whole-model quantization, and the `wqe`
 * command line. Everything of the browser entry is re-exported, so one import serves a Node script.
 *
 * @example
 * ```ts
 * import { nodeEngine, fileSource, safetensorsWeightSource, quantizeModel, atomicFileSink, parseFormat } from
 * 'webgpu-quant-engine/node'; const src = await fileSource('model.safetensors'); const sink = await
 * atomicFileSink('model.int4.safetensors'); const { engine } = await nodeEngine();            // null engine: the CPU
 * reference is used const report = await quantizeModel(await safetensorsWeightSource(src), { format:
 * parseFormat('int4-g32'), engine, sink });
 * ```
 */
export * from '../index.js';
export { nodeEngine } from './gpu.js';
export {
  atomicFileSink,
  fileError,
  fileIdentity,
  fileSource,
  tempPathFor,
  writeFileAtomic,
  type AtomicSink,
} from './file-io.js';
export { EXIT, main as runCli, reportTable, USAGE } from './cli.js';
export {
  quantizeModel,
  countZeroedGroups,
  type KeptTensor,
  type LayerReport,
  type ModelReport,
  type QuantizeModelOptions,
  type QuantizeProgress,
} from '../model/quantize-model.js';
export { onnxWeightSource, safetensorsWeightSource, type ModelTensor, type WeightSource } from '../model/weights.js';
export { decodePng } from './png.js';
export { type HostTensor, readNpy, readRawF32 } from './tensor-file.js';
