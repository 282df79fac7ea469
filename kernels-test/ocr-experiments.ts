/**
 * The OCR experiments on the graph runner (issue: run real networks): the lines read, the lines that
 * calibrate, and every configuration — weight-only formats at 8/4/3/2 bits, calibrated schemes, and W+A.
 * The kernel test runs the ones marked `test` (its assertions); `npm run bench:ocr` runs them all.
 */
import type { OcrConfig } from './ocr-page.js';

/** Rendered in the page with canvas fillText; the f32 recogniser reads every one of them exactly. */
export const OCR_LINES = [
  'Quantize 4-bit weights 2024',
  'The quick brown fox jumps',
  'Hello World 12345',
  'Lattice codes beat scalar ones',
  'WebGPU runs in the browser',
  'Matrix multiply 4096 x 4096',
  'Rate distortion theory',
  'Gaussian source at 3 bits',
  'Error 0.0123 and 98.7%',
  'Phone 555-0199 ext 42',
  'Monday 24 November 2026',
  'Invoice No. 7731 paid',
  'Open the door slowly',
  'Keep calm and carry on',
  'Nested lattice E8 code',
  'Meeting at 10 today',
  'Please call back later',
  'Version 1.30.0 released',
  'Data compression works',
  'Blue sky over the river',
];

/** Lines for calibration only (none of them is read in the accuracy check). */
export const CALIBRATION_LINES = [
  'Calibrate the quantizer now',
  'Activation statistics 2025',
  'Numbers 0123456789 and more',
  'THE LAZY DOG SLEEPS',
  'mixed Case words, commas; colons',
  'Seven sailors sang 42 songs',
  'Zebra quartz vexing jumbo flight',
  'Open source models everywhere',
];

/**
 * The generated page read end to end (detector + recogniser): paragraphs drawn in sans-serif and serif in
 * turn at 28 px (demo/render-text.ts), 12 lines. (At 24 px the f32 recogniser drops the spaces of one line; a
 * full stop after "closer" in the serif font it misses.)
 */
export const OCR_PAGE = [
  ['Weights in four bits or less', 'still read this page of text', 'on the GPU of a browser.'],
  ['Lattice codes pack eight values', 'into one point of E8, closer', 'to the Gaussian limit.'],
  ['Invoice 2026-117: total 48.90', 'Due Friday, 11 December', 'Call 555-0142 with questions.'],
  ['The detector finds each line;', 'the recogniser reads it', 'and greedy CTC spells it out.'],
];

/** Font size of the generated pages (the detector's input is then 512×640). */
export const PAGE_FONT_SIZE = 28;

/** The page whose detector inputs calibrate the detector (none of its lines is on OCR_PAGE). */
export const CALIBRATION_PAGE = [CALIBRATION_LINES.slice(0, 4), CALIBRATION_LINES.slice(4)];

/** A scheme holds at a rate when ≥ 95% of lines come out identical to the f32 model's reading. */
export const HOLD = 0.95;

/** On the page: f32 reads ≥ 95% of the lines exactly as drawn; a scheme holds when ≥ 90% equal f32's reading. */
export const PAGE_TRUTH = 0.95;
export const PAGE_HOLD = 0.9;

export interface Experiment extends OcrConfig {
  /** Run by the kernel test (kernels-test/ocr.test.ts), not only by the bench. */
  readonly test?: boolean;
}

const wOnly = (weights: string, test = false, ort = true, page = false): Experiment => ({
  label: `W ${weights}`,
  weights,
  ort,
  test,
  page,
});

export const EXPERIMENTS: readonly Experiment[] = [
  wOnly('int8-g32', true, false, true),
  wOnly('int4-g32', false, true, true),
  wOnly('int3-g32'),
  wOnly('int2-g32'),
  wOnly('e8-q224-k4'),
  wOnly('e8-q14-k4', true, true, true),
  wOnly('e8-q7-k4'),
  wOnly('e8-q4-k4'),
  wOnly('nf4-g64'),
  wOnly('mxfp8-e4m3'),
  wOnly('mxfp6-e2m3'),
  wOnly('mxfp4'),
  wOnly('nvfp4'),
  {
    label: 'WaterSIC 2.65 bits entropy',
    calibrated: { method: 'watersic', rate: 2.65 },
    // The detector's layers have 1–384 rows: its 16-bit column scales cost up to 2.7 bits per weight in the
    // smallest, so it takes 2.2 bits of entropy (2.63 bits in a file; at 2.65 it would be 3.09).
    detectorCalibrated: { method: 'watersic', rate: 2.2 },
    ort: true,
    test: true,
    page: true,
  },
  { label: 'WaterSIC 2 bits entropy', calibrated: { method: 'watersic', rate: 2 }, ort: true },
  { label: 'GPTQ int4-g32', calibrated: { method: 'gptq', format: 'int4-g32' }, ort: true },
  { label: 'GPTQ int3-g32', calibrated: { method: 'gptq', format: 'int3-g32' }, ort: true },
  { label: 'block-LDLQ e8-q7-k4', calibrated: { method: 'ldlq', format: 'e8-q7-k4' }, ort: true },
  { label: 'block-LDLQ e8-q4-k4', calibrated: { method: 'ldlq', format: 'e8-q4-k4' }, ort: true },
  wOnly('tcq2-l12'),
  { label: 'block-LDLQ tcq2-l12', calibrated: { method: 'ldlq', format: 'tcq2-l12' }, ort: true },
  { label: 'block-LDLQ tcq3-l12', calibrated: { method: 'ldlq', format: 'tcq3-l12' }, ort: true },
  { label: 'W8A8 int8 × int8', weights: 'int8-g32', activations: 'int8-g32', test: true },
  { label: 'W4A8 int4 × int8', weights: 'int4-g32', activations: 'int8-g32' },
  { label: 'W4A4 int4 × int4', weights: 'int4-g32', activations: 'int4-g32' },
  { label: 'W4A4 e8 × e8', weights: 'e8-q14-k4', activations: 'e8-q14-k4' },
];
