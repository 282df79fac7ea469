/**
 * OCR panel: a line of text rendered on a canvas, read by the PP-OCRv4 recogniser with f32 weights and
 * with its linear weights quantized by the chosen scheme and rate (on the GPU when WebGPU is there,
 * else on the CPU reference), outputs side by side.
 */
import type { Engine } from '../src/engine.js';
import type { QuantFormat } from '../src/formats/format.js';
import { formatForScheme, SCHEMES } from '../src/formats/schemes.js';
import type { Matrix } from '../src/matrix.js';
import { quantizeOcrModel } from '../src/model/ocr.js';
import { loadOcrAssets, recogniser, renderLine, type OcrAssets, type Recogniser } from './ocr-runner.js';

export interface OcrPanelResult {
  format: string;
  f32: { text: string; meanProb: number };
  quantized: { text: string; meanProb: number };
  /** Mean NMSE of the quantized linear weights. */
  meanNmse: number;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function setupOcr(
  root: HTMLElement,
  engine: () => Engine | null,
): (text: string, scheme: string, rate: number) => Promise<OcrPanelResult> {
  const form = root.querySelector<HTMLFormElement>('form')!;
  const out = root.querySelector<HTMLElement>('.ocr-out')!;
  const schemeSel = form.elements.namedItem('scheme') as HTMLSelectElement;
  const rateSel = form.elements.namedItem('rate') as HTMLSelectElement;
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
  rateSel.value = '4';
  schemeSel.addEventListener('change', fillRates);

  let assets: Promise<OcrAssets> | null = null;
  let f32: Promise<Recogniser> | null = null;
  const models = new Map<string, Promise<{ r: Recogniser; meanNmse: number }>>();
  const roundTrip = async (w: Matrix, f: QuantFormat): Promise<Float32Array> => {
    const e = engine();
    return e ? e.roundTrip(w, f) : f.decode(f.encode(w)).data;
  };
  const quantized = (format: QuantFormat) => {
    let m = models.get(format.id);
    if (!m) {
      m = (async () => {
        const a = await assets!;
        const q = await quantizeOcrModel(a.model, format, roundTrip);
        return {
          r: await recogniser(q.bytes, a.labels),
          meanNmse: q.layers.reduce((s, l) => s + l.nmse, 0) / q.layers.length,
        };
      })();
      models.set(format.id, m);
      m.catch(() => models.delete(format.id));
    }
    return m;
  };

  const read = async (text: string, scheme: string, rate: number): Promise<OcrPanelResult> => {
    const format = formatForScheme(scheme, rate);
    // A programmatic call shows its request in the form too.
    (form.elements.namedItem('text') as HTMLInputElement).value = text;
    schemeSel.value = scheme;
    fillRates();
    rateSel.value = String(rate);
    assets ??= loadOcrAssets();
    out.textContent =
      `Loading the recogniser and quantizing its 30 linear weights as ` +
      `${format.id}${engine() ? ' on the GPU' : ' on the CPU'}…`;
    const a = await assets;
    f32 ??= recogniser(a.model, a.labels);
    const line = renderLine(text);
    const [base, q] = await Promise.all([f32, quantized(format)]);
    const r0 = await base.read(line);
    const r1 = await q.r.read(line);
    const same = r0.text === r1.text;
    const verdict = same ? 'identical to the f32 reading' : 'differs from the f32 reading';
    out.innerHTML = '';
    line.canvas.className = 'ocr-line';
    out.append(line.canvas);
    out.insertAdjacentHTML(
      'beforeend',
      `<table><tr><th>weights</th><th>recognised text</th><th>mean char prob</th></tr>
        <tr><td>f32</td><td><code>${escapeHtml(r0.text)}</code></td><td>${r0.meanProb.toFixed(4)}</td></tr>
        <tr><td>${format.id} (weight NMSE ${q.meanNmse.toExponential(2)})</td>
          <td><code>${escapeHtml(r1.text)}</code></td>
          <td>${r1.meanProb.toFixed(4)}</td></tr>
      </table><p id="ocr-verdict" class="${same ? 'pass' : 'fail'}">${verdict}</p>`,
    );
    return { format: format.id, f32: r0, quantized: r1, meanNmse: q.meanNmse };
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = (form.elements.namedItem('text') as HTMLInputElement).value;
    const button = form.querySelector('button')!;
    button.disabled = true;
    read(text, schemeSel.value, Number(rateSel.value))
      .catch((e: Error) => (out.innerHTML = `<p class="error">${escapeHtml(e.message)}</p>`))
      .finally(() => (button.disabled = false));
  });
  return read;
}
