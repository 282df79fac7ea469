/**
 * Public API. See README.md for an example.
 */
export { createEngine, Engine, type EngineOptions } from './engine.js';
export { GpuMatrix, GpuQuantizedMatrix, POISON_BITS, type GpuOperand } from './gpu/tensors.js';
export {
  CPU_ADAPTER_TILES,
  GEMV_MAX_M,
  GPU_TILES,
  isCpuAdapter,
  type GemmTile,
  type GemvTile,
  type MatmulOptions,
  type MatmulPlan,
  type MatmulTiles,
} from './ops/plan.js';
export * from './errors.js';
export { matrix, validateMatrix, matmulShape, type Matrix } from './matrix.js';
export type { QuantFormat, QuantizedMatrix, Layout, BitsBreakdown, StreamName, WgslSpec } from './formats/format.js';
export {
  IntFormat,
  intFormatId,
  INT_BITS,
  GROUP_SIZES,
  type IntFormatParams,
  type IntBits,
  type ScaleType,
} from './formats/int.js';
export { parseFormat, resolveFormat } from './formats/registry.js';
export { checkQuantized } from './formats/format.js';
export type { MemoryStats } from './gpu/buffers.js';
export { f32ToF16Bits, f16BitsToF32 } from './formats/f16.js';
export { matmulF64 } from './reference/matmul.js';
export { relativeFrobeniusError, mse, productNmse, sumSquares } from './reference/metrics.js';
export { Rng, freshSeed, gaussianMatrix, studentTMatrix, outlierColumnsMatrix } from './reference/random.js';
export { gammaBound, phi, gaussianDistortionRate, rateLoss, gapToGammaBits, R_STAR } from './theory/gaussian.js';
export type { DeviceFeatures } from './gpu/device.js';
export type { PlannerLimits } from './gpu/split.js';
export { ScaledFormat, type ScaleRule } from './formats/scaled.js';
export { densityFormat, estimatePairCorrelation } from './formats/density.js';
export { NestedLatticeFormat, indexEntropyPerEntry, type NestedLatticeParams } from './lattice/format.js';
export { centredProduct, fitUniversalBetas, universalFit, type UniversalFit } from './lattice/universal.js';
export {
  adversarialPairs,
  centredNorms,
  gaussianDistortion,
  measureGuarantee,
  predictedError,
  universalBound,
  type GuaranteeRow,
  type MatrixPair,
} from './theory/universal-guarantee.js';
export { optimizeBetas, type BetaOptions, type BetaResult } from './lattice/betas.js';
export { E8, D4, checkerboard, integer, closestPoint, latticeByName, type Lattice } from './lattice/lattices.js';
export { voronoiRoundTrip, voronoiEncodeTwice, voronoiDecodeTwice } from './lattice/voronoi.js';
export { HierarchicalCode, InnerProductLut } from './lattice/hierarchical.js';
export {
  hadamardRotation,
  hadamardShape,
  rotateRows,
  unrotateRows,
  type HadamardRotation,
} from './transforms/hadamard.js';
export { ecsq, ecsqForEntropy, lowRateProduct } from './transforms/sketch.js';
export { latticeGranularMse } from './theory/highrate.js';
export {
  FORMAT_FAMILIES,
  familyOf,
  predictedMse,
  boundaryInput,
  type FormatFamily,
  type Scheme,
} from './formats/traits.js';
export { formatForScheme, SCHEMES } from './formats/schemes.js';
export { memorySink, memorySource, type ByteSink, type ByteSource } from './io/byte-source.js';
export {
  readSafetensorsHeader,
  parseSafetensorsHeader,
  readFloatRows,
  readFloatTensor,
  widenFloats,
  SafetensorsWriter,
  DTYPE_BYTES,
  FLOAT_DTYPES,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type PlannedTensor,
} from './io/safetensors.js';
export {
  ContainerReader,
  ContainerWriter,
  CONTAINER_FORMAT,
  CONTAINER_VERSION,
  type TensorInfo,
  type QuantizedTensorInfo,
  type CopiedTensorInfo,
  type ContainerPlanEntry,
} from './io/container.js';
export {
  readOnnxTensors,
  readOnnxWeights,
  weightMatrix,
  fromWeightMatrix,
  patchOnnxFloats,
  onnxNodes,
  addGraphOutputs,
  type OnnxTensor,
  type OnnxAnyTensor,
} from './io/onnx.js';
export { CovarianceAccumulator } from './weightonly/calibration.js';
export {
  quantizeWeightOnly,
  decodeWeightOnly,
  prepareHessian,
  type WeightOnlyMethod,
  type WeightOnlyResult,
  type CalibratedHessian,
} from './weightonly/watersic.js';
export { gptqInt } from './weightonly/gptq-format.js';
export { blockLdlq } from './weightonly/block-ldlq.js';
export { trellisLdlq } from './weightonly/trellis-ldlq.js';
export { intOperand, scaleColumns, type IntOperand } from './weightonly/operand.js';
export {
  GraphModel,
  type FormatChoice,
  type LoadOptions,
  type ModelReport,
  type NodeTime,
  type OutputTensor,
  type PreQuantized,
} from './graph/model.js';
export type { LinearLayer, LayerRecord } from './graph/lower.js';
export type { Epilogue, EpilogueActivation } from './graph/fuse.js';
export {
  calibratedWeights,
  im2colRows,
  layerCovariances,
  type CalibratedMethod,
  type CalibratedWeights,
} from './graph/calibrate.js';
export { readOnnxGraph, type OnnxGraph, type GraphNode, type GraphTensor } from './io/onnx-graph.js';
export { toMatMulNBits, type NBitsLayer } from './io/onnx-nbits.js';
export {
  readGguf,
  readGgufTensorBytes,
  writeGguf,
  type GgufArray,
  type GgufFile,
  type GgufKv,
  type GgufScalar,
  type GgufTensorInfo,
  type GgufTensorSpec,
  type GgufType,
} from './io/gguf.js';
export { GGML_TYPES, type GgmlType } from './io/ggml-types.js';
export { GgmlFormat, GGML_FORMAT_IDS } from './formats/ggml/format.js';
export { ggufMatrix } from './model/gguf-import.js';
export {
  packedToQuantized,
  quantizedToPacked,
  readPackedCheckpoint,
  writePackedCheckpoint,
  type PackedLayout,
  type PackedLinear,
} from './io/gptq.js';
export {
  OcrPipeline,
  type NetworkFormats,
  type OcrLine,
  type OcrModels,
  type OcrOptions,
  type OcrResult,
  type OcrTimings,
} from './model/ocr/pipeline.js';
export {
  type DetectOptions,
  type TextBox,
  detectorInput,
  detectorSize,
  readingOrder,
  textBoxes,
} from './model/ocr/detect.js';
export { type Box, type RgbaImage, resizeRegion } from './model/ocr/image.js';
export { ctcGreedy, OCR_HEIGHT, ocrInput, ocrLabels, recogniserInput } from './model/ocr/recognise.js';
