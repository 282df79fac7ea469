/**
 * OCR panel: a picture of text in, text out — PP-OCRv4's detector and recogniser on the graph runner
 * (src/model/ocr/pipeline.ts), once with f32 weights and once with both networks' linear layers in the
 * chosen scheme and rate; boxes over the image, the two readings side by side with differing characters
 * marked, latency per stage, weight bytes, and the recent runs. Needs WebGPU: without it the panel says
 * so and runs nothing.
 */
import type { Engine } from '../src/engine.js';
import { formatForScheme, SCHEMES } from '../src/formats/schemes.js';
import type { RgbaImage } from '../src/model/ocr/image.js';
import { OcrPipeline, type OcrResult } from '../src/model/ocr/pipeline.js';
import { loadOcrAssets, type OcrAssets } from './ocr-runner.js';
import { type PageView, showPageResult } from './ocr-view.js';
import { renderPage } from './render-text.js';

/** What one read of the panel gives (window.demo.ocr returns it). */
export interface OcrPanelResult {
  readonly format: string;
  /** The lines as drawn, when the image is a generated page. */
  readonly drawn: readonly string[] | null;
  readonly f32: readonly string[];
  readonly quantized: readonly string[];
  /** Lines of the quantized reading equal to f32's (matched by box). */
  readonly same: number;
  readonly timings: { readonly f32: OcrResult['timings']; readonly quantized: OcrResult['timings'] };
  readonly weightBytes: { readonly f32: number; readonly quantized: number };
}

/** Sentences the "generate" button draws pages from. */
const SENTENCES = [
  ['Weights in four bits or less', 'still read this page of text.'],
  ['Lattice codes pack eight values', 'into one point of E8.'],
  ['Invoice 2026-117: total 48.90', 'due Friday, 11 December.'],
  ['The detector finds each line;', 'the recogniser reads it.'],
  ['Rate 2.5 bits per weight', 'and the text is the same.'],
  ['Meeting moved to 10:30', 'in room 4B, second floor.'],
  ['Call 555-0142 for help', 'or write to the office.'],
  ['Every layer runs on the GPU', 'in this browser tab.'],
];

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A page of `paragraphs` two-line paragraphs taken in turn from SENTENCES, starting at `first`. */
function generatedPage(first: number, paragraphs = 3) {
  return renderPage(Array.from({ length: paragraphs }, (_, i) => SENTENCES[(first + i) % SENTENCES.length]));
}

interface Source extends RgbaImage {
  readonly canvas: HTMLCanvasElement;
  readonly name: string;
  readonly lines?: readonly { readonly text: string }[];
}

/** An image file drawn on a canvas (scaled down to at most 1600 px on its longer side). */
async function imageSource(file: File): Promise<Source> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const g = canvas.getContext('2d', { willReadFrequently: true })!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
  return { data, width: canvas.width, height: canvas.height, canvas, name: file.name };
}

/**
 * Wires the panel. `engine()` is null until WebGPU is up (and stays null without it). Returns the read
 * function (window.demo.ocr) and `generate` (reads a generated page: the panel's first-load run).
 */
export function setupOcr(
  root: HTMLElement,
  engine: () => Engine | null,
): {
  read(scheme: string, rate: number, source?: Source): Promise<OcrPanelResult>;
  generate(paragraphs?: number): Promise<OcrPanelResult>;
} {
  const form = root.querySelector<HTMLFormElement>('form')!;
  const out = root.querySelector<HTMLElement>('.ocr-out')!;
  const status = root.querySelector<HTMLElement>('.ocr-status')!;
  const history = root.querySelector<HTMLElement>('.ocr-history')!;
  const schemeSel = form.elements.namedItem('scheme') as HTMLSelectElement;
  const rateSel = form.elements.namedItem('rate') as HTMLSelectElement;
  const fileInput = form.elements.namedItem('image') as HTMLInputElement;
  schemeSel.innerHTML = Object.entries(SCHEMES)
    .map(([k, s]) => `<option value="${k}" title="${escapeHtml(s.what)}">${k}</option>`)
    .join('');
  const fillRates = () => {
    const keep = rateSel.value;
    rateSel.innerHTML = Object.keys(SCHEMES[schemeSel.value].rates)
      .map((r) => `<option>${r}</option>`)
      .join('');
    if (Array.from(rateSel.options).some((o) => o.value === keep)) rateSel.value = keep;
  };
  schemeSel.value = 'int';
  fillRates();
  rateSel.value = '8';
  schemeSel.addEventListener('change', fillRates);

  let assets: Promise<OcrAssets> | null = null;
  const pipelines = new Map<string, Promise<OcrPipeline>>();
  const pipeline = (e: Engine, id: string) => {
    let p = pipelines.get(id);
    if (!p) {
      p = (async () => {
        const a = await (assets ??= loadOcrAssets());
        return OcrPipeline.create(
          e,
          { detector: a.detector, recogniser: a.model, labels: a.labels },
          { weights: id === 'f32' ? null : id },
        );
      })();
      pipelines.set(id, p);
      p.catch(() => pipelines.delete(id));
    }
    return p;
  };
  let source: Source = { ...generatedPage(0), name: 'a generated page' };
  let pages = 0;
  const runs: string[] = [];

  const view = (label: string, p: OcrPipeline, r: OcrResult): PageView => {
    const rep = p.report();
    return {
      label,
      lines: r.lines,
      timings: r.timings,
      weightBytes: (rep.detector?.weightBytes ?? 0) + rep.recogniser.weightBytes,
    };
  };

  const read = async (scheme: string, rate: number, src: Source = source): Promise<OcrPanelResult> => {
    const e = engine();
    if (!e) throw new Error('OCR runs both networks on the GPU, and this browser has no WebGPU: nothing was run.');
    const format = formatForScheme(scheme, rate);
    schemeSel.value = scheme;
    fillRates();
    rateSel.value = String(rate);
    source = src;
    status.textContent = `Loading PP-OCRv4 (detector + recogniser) with f32 and ${format.id} weights…`;
    const [base, quant] = await Promise.all([pipeline(e, 'f32'), pipeline(e, format.id)]);
    status.textContent = `Reading ${src.name} with f32 weights…`;
    const r0 = await base.read(src);
    status.textContent = `Reading ${src.name} with ${format.id} weights…`;
    const r1 = await quant.read(src);
    const views = [view('f32', base, r0), view(format.id, quant, r1)];
    const [same] = showPageResult(out, src, views);
    status.textContent =
      `${src.name} (${src.width}×${src.height}): ${r0.lines.length} lines found; ${format.id} reads ${same} of them ` +
      `as f32 does. Pre- and post-processing on the CPU, both networks on the GPU.`;
    runs.unshift(
      `<tr><td>${escapeHtml(src.name)}</td><td>${format.id}</td><td>${same}/${r0.lines.length}</td>` +
        `<td>${Math.round(r1.timings.total)}</td><td>${Math.round(r0.timings.total)}</td>` +
        `<td>${(views[1].weightBytes / 1024).toFixed(0)}</td></tr>`,
    );
    runs.length = Math.min(runs.length, 8);
    history.innerHTML =
      `<table><tr><th>image</th><th>weights</th><th>lines as f32</th><th>total ms</th><th>f32 total ms</th>` +
      `<th>weights KiB</th></tr>${runs.join('')}</table>`;
    return {
      format: format.id,
      drawn: src.lines?.map((l) => l.text) ?? null,
      f32: r0.lines.map((l) => l.text),
      quantized: r1.lines.map((l) => l.text),
      same,
      timings: { f32: r0.timings, quantized: r1.timings },
      weightBytes: { f32: views[0].weightBytes, quantized: views[1].weightBytes },
    };
  };

  const guarded = (job: () => Promise<unknown>) => {
    const buttons = Array.from(form.querySelectorAll('button'));
    for (const b of buttons) b.disabled = true;
    job()
      .catch((e: Error) => (status.innerHTML = `<span class="error">${escapeHtml(e.message)}</span>`))
      .finally(() => {
        for (const b of buttons) b.disabled = !engine();
      });
  };
  const generate = (paragraphs = 3) => {
    const page = generatedPage(pages++ * paragraphs, paragraphs);
    return read(schemeSel.value, Number(rateSel.value), { ...page, name: 'a generated page' });
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    guarded(() => read(schemeSel.value, Number(rateSel.value)));
  });
  form.querySelector('button[name=generate]')!.addEventListener('click', () => guarded(() => generate()));
  const useFile = (file: File | undefined) => {
    if (!file) return;
    guarded(async () => read(schemeSel.value, Number(rateSel.value), await imageSource(file)));
  };
  fileInput.addEventListener('change', () => useFile(fileInput.files?.[0]));
  root.addEventListener('dragover', (ev) => ev.preventDefault());
  root.addEventListener('drop', (ev) => {
    ev.preventDefault();
    useFile(ev.dataTransfer?.files[0]);
  });
  return { read, generate };
}
