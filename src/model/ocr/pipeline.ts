/**
 * Full-page OCR on the graph runner: PP-OCRv4's detector finds the text boxes, its recogniser reads each
 * one, both networks on the GPU with their linear layers in the formats asked for. Pre- and
 * post-processing (resizing, normalising, connected components, CTC) run on the CPU: they are a few
 * milliseconds beside the networks and need the page's pixels on the host anyway. docs/ocr.md.
 */
import type { Engine } from '../../engine.js';
import { ShapeError } from '../../errors.js';
import { type FormatChoice, GraphModel, type ModelReport, type PreQuantized } from '../../graph/model.js';
import { type OnnxGraph, readOnnxGraph } from '../../io/onnx-graph.js';
import {
  type DetectOptions,
  detectorInput,
  detectorSize,
  readingOrder,
  scaleBoxes,
  type TextBox,
  textBoxes,
} from './detect.js';
import { checkImage, type RgbaImage } from './image.js';
import { ctcGreedy, OCR_HEIGHT, recogniserInput } from './recognise.js';

/** The two ONNX models and the recogniser's class labels (ocrLabels of its dictionary). */
export interface OcrModels {
  readonly detector: Uint8Array;
  readonly recogniser: Uint8Array;
  readonly labels: readonly string[];
}

/** Formats of one network's layers (as LoadOptions takes them). */
export interface NetworkFormats {
  readonly weights?: FormatChoice;
  readonly activations?: FormatChoice;
  readonly quantized?: ReadonlyMap<string, PreQuantized>;
}

/** How the pipeline runs: formats for both networks (or each), and the pre/post-processing sizes. */
export interface OcrOptions extends NetworkFormats {
  /** Overrides for the detector's layers (default: the shared weights/activations). */
  readonly detector?: NetworkFormats;
  /** Overrides for the recogniser's layers (default: the shared weights/activations). */
  readonly recogniser?: NetworkFormats;
  /** The page is scaled down so its longer side is at most this before detection (960). */
  readonly maxSide?: number;
  /** Recogniser input width: each line resized to height 48, squeezed to this width when longer (480). */
  readonly lineWidth?: number;
  /** Detector post-processing (thresholds, unclip ratio). */
  readonly detect?: DetectOptions;
}

/** One line of text found on the page. */
export interface OcrLine {
  readonly box: TextBox;
  readonly text: string;
  /** Mean probability of the characters kept by greedy CTC. */
  readonly confidence: number;
}

/** Milliseconds per stage of one read (wall clock; network stages include upload and read-back). */
export interface OcrTimings {
  /** Loading the detector for a new page size (0 when the loaded one fits). */
  readonly load: number;
  readonly detect: number;
  /** Probability map → boxes in reading order. */
  readonly boxes: number;
  readonly recognise: number;
  /** The whole read, loading the detector included. */
  readonly total: number;
}

/** One page read: its lines in reading order, the time per stage, the detector's input size. */
export interface OcrResult {
  readonly lines: readonly OcrLine[];
  readonly timings: OcrTimings;
  /** The detector's input size for this page. */
  readonly detectorSize: { readonly width: number; readonly height: number };
}

const formatsFor = (o: OcrOptions, net: NetworkFormats | undefined): NetworkFormats => ({
  weights: net?.weights !== undefined ? net.weights : o.weights,
  activations: net?.activations !== undefined ? net.activations : o.activations,
  quantized: net?.quantized ?? o.quantized,
});

/**
 * PP-OCRv4 detector + recogniser on one engine. The recogniser is loaded once (lines are read at one
 * width); the detector is loaded for each new page size (its shapes are resolved at load) and kept.
 *
 * @example
 * ```ts
 * const models = { detector, recogniser, labels: ocrLabels(dict) };
 * const ocr = await OcrPipeline.create(engine, models, { weights: 'int8-g32' });
 * const { lines, timings } = await ocr.read(ctx.getImageData(0, 0, w, h));
 * for (const l of lines) console.log(l.text, l.confidence.toFixed(3));
 * ocr.destroy();
 * ```
 */
export class OcrPipeline {
  private det: { net: GraphModel; width: number; height: number } | null = null;

  private constructor(
    private readonly engine: Engine,
    private readonly detGraph: OnnxGraph,
    private readonly rec: GraphModel,
    private readonly labels: readonly string[],
    private readonly options: OcrOptions,
  ) {}

  /** Parses both models and loads the recogniser (the detector loads with the first page). */
  static async create(engine: Engine, models: OcrModels, options: OcrOptions = {}): Promise<OcrPipeline> {
    const lineWidth = options.lineWidth ?? 480;
    if (!(Number.isInteger(lineWidth) && lineWidth >= OCR_HEIGHT))
      throw new ShapeError(`lineWidth ${lineWidth} is not a whole number ≥ ${OCR_HEIGHT}`);
    const detGraph = readOnnxGraph(models.detector, 'detector model');
    const recGraph = readOnnxGraph(models.recogniser, 'recogniser model');
    const rec = await GraphModel.fromGraph(engine, recGraph, {
      inputs: { [recGraph.inputs[0].name]: [1, 3, OCR_HEIGHT, lineWidth] },
      ...formatsFor(options, options.recogniser),
    });
    return new OcrPipeline(engine, detGraph, rec, models.labels, { ...options, lineWidth });
  }

  /** Finds and reads every line of text on `page`, in reading order. */
  async read(page: RgbaImage): Promise<OcrResult> {
    checkImage(page, 'page');
    const t0 = performance.now();
    const size = detectorSize(page.width, page.height, this.options.maxSide);
    const det = await this.detector(size.width, size.height);
    const t1 = performance.now();
    const probs = Object.values(
      await det.run({ [det.graph.inputs[0].name]: detectorInput(page, size.width, size.height) }),
    )[0];
    const t2 = performance.now();
    const found = textBoxes(probs.data, size.width, size.height, this.options.detect);
    const boxes = readingOrder(scaleBoxes(found, page.width / size.width, page.height / size.height));
    const t3 = performance.now();
    const input = this.rec.graph.inputs[0].name;
    const lines: OcrLine[] = [];
    for (const box of boxes) {
      const y = Object.values(await this.rec.run({ [input]: recogniserInput(page, box, this.options.lineWidth!) }))[0];
      const [, steps, classes] = y.dims;
      const r = ctcGreedy(y.data, steps, classes, this.labels);
      lines.push({ box, text: r.text.trim(), confidence: r.meanProb });
    }
    const t4 = performance.now();
    return {
      lines,
      detectorSize: size,
      timings: { load: t1 - t0, detect: t2 - t1, boxes: t3 - t2, recognise: t4 - t3, total: t4 - t0 },
    };
  }

  /** What each network holds and how its layers run (the detector's once a page was read). */
  report(): { detector: ModelReport | null; recogniser: ModelReport } {
    return { detector: this.det?.net.report() ?? null, recogniser: this.rec.report() };
  }

  /** The loaded networks themselves (calibration, profiling). */
  networks(): { detector: GraphModel | null; recogniser: GraphModel } {
    return { detector: this.det?.net ?? null, recogniser: this.rec };
  }

  /** Frees both networks' GPU memory. */
  destroy(): void {
    this.det?.net.destroy();
    this.det = null;
    this.rec.destroy();
  }

  private async detector(width: number, height: number): Promise<GraphModel> {
    if (this.det?.width === width && this.det.height === height) return this.det.net;
    this.det?.net.destroy();
    this.det = null;
    const net = await GraphModel.fromGraph(this.engine, this.detGraph, {
      inputs: { [this.detGraph.inputs[0].name]: [1, 3, height, width] },
      ...formatsFor(this.options, this.options.detector),
    });
    this.det = { net, width, height };
    return net;
  }
}
