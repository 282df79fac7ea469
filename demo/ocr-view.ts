/**
 * How a page reading is shown (the demo's OCR panel and the OCR browser test's screenshot): the page with
 * each box drawn over it, then line by line the f32 reading beside the quantized one(s) with the characters
 * that differ marked, then latency per stage and weight bytes per scheme.
 */
import type { Box } from '../src/model/ocr/image.js';

/** One scheme's reading of the page. */
export interface PageView {
  readonly label: string;
  readonly lines: readonly { readonly text: string; readonly confidence: number; readonly box: Box }[];
  readonly timings: {
    readonly load: number;
    readonly detect: number;
    readonly boxes: number;
    readonly recognise: number;
    readonly total: number;
  };
  /** GPU bytes of both networks' linear weights. */
  readonly weightBytes: number;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** `text` as HTML with the characters outside a longest common subsequence with `base` in <mark>. */
export function markDifferences(base: string, text: string): string {
  const a = [...base];
  const b = [...text];
  // LCS table, then walk it to know which of b's characters are shared.
  const L = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  let html = '';
  let i = 0;
  let j = 0;
  while (j < b.length) {
    if (i < a.length && a[i] === b[j]) {
      html += escapeHtml(b[j++]);
      i++;
    } else if (i < a.length && L[i + 1][j] >= L[i][j + 1]) i++;
    else html += `<mark>${escapeHtml(b[j++])}</mark>`;
  }
  return html;
}

const overlap = (p: Box, q: Box) =>
  Math.max(0, Math.min(p.x + p.w, q.x + q.w) - Math.max(p.x, q.x)) *
  Math.max(0, Math.min(p.y + p.h, q.y + q.h) - Math.max(p.y, q.y));

/** For each line of `base`, the line of `other` whose box overlaps it most (or undefined). */
function alignLines<T extends { box: Box }>(base: readonly { box: Box }[], other: readonly T[]): (T | undefined)[] {
  return base.map((l) => {
    let best: T | undefined;
    let area = 0;
    for (const o of other) {
      const a = overlap(l.box, o.box);
      if (a > area) [best, area] = [o, a];
    }
    return best;
  });
}

function drawBoxes(page: HTMLCanvasElement, lines: PageView['lines']): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = page.width;
  c.height = page.height;
  c.className = 'ocr-page';
  const g = c.getContext('2d')!;
  g.drawImage(page, 0, 0);
  g.lineWidth = 2;
  g.strokeStyle = '#e4572e';
  g.fillStyle = '#e4572e';
  g.font = '12px sans-serif';
  lines.forEach((l, i) => {
    g.strokeRect(l.box.x, l.box.y, l.box.w, l.box.h);
    g.fillText(String(i + 1), l.box.x + l.box.w + 3, l.box.y + 12);
  });
  return c;
}

const ms = (v: number) => (v < 10 ? v.toFixed(1) : Math.round(v).toString());
const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

/**
 * Replaces `root`'s content by the page (canvas) with the boxes of the last view drawn over it, the lines
 * of every view side by side (the first is the reference: characters differing from it are marked), and
 * a stage-latency table. Returns how many lines of each later view equal the reference's.
 */
export function showPageResult(
  root: HTMLElement,
  page: { canvas: HTMLCanvasElement },
  views: readonly PageView[],
): number[] {
  const [ref, ...rest] = views;
  const aligned = rest.map((v) => alignLines(ref.lines, v.lines));
  const same = aligned.map((a) => a.filter((l, i) => l?.text === ref.lines[i].text).length);
  const rows = ref.lines
    .map((l, i) => {
      const cells = aligned.map((a) => {
        const o = a[i];
        return o
          ? `<td class="${o.text === l.text ? 'same' : 'diff'}">${markDifferences(l.text, o.text)}</td>`
          : '<td class="diff">—</td>';
      });
      return `<tr><td>${i + 1}</td><td>${escapeHtml(l.text)}</td>${cells.join('')}</tr>`;
    })
    .join('');
  const head = views.map((v) => `<th>${escapeHtml(v.label)}</th>`).join('');
  const stageRows = views
    .map(
      (v, k) =>
        `<tr><td>${escapeHtml(v.label)}</td><td>${ms(v.timings.detect)}</td><td>${ms(v.timings.boxes)}</td>` +
        `<td>${ms(v.timings.recognise)}</td><td>${ms(v.timings.total - v.timings.load)}</td>` +
        `<td>${ms(v.timings.load)}</td><td>${kib(v.weightBytes)}</td>` +
        `<td>${k === 0 ? '' : `${same[k - 1]}/${ref.lines.length}`}</td></tr>`,
    )
    .join('');
  root.innerHTML = '';
  const figure = document.createElement('div');
  figure.className = 'ocr-result';
  figure.append(drawBoxes(page.canvas, views[views.length - 1].lines));
  figure.insertAdjacentHTML(
    'beforeend',
    `<div class="ocr-text"><table class="ocr-lines"><tr><th>#</th>${head}</tr>${rows}</table>
     <table class="ocr-stages"><tr><th>weights</th><th>detect ms</th><th>boxes ms</th><th>recognise ms</th>
       <th>total ms</th><th>+ detector load ms</th><th>weights on GPU</th><th>lines as f32</th></tr>
       ${stageRows}</table></div>`,
  );
  root.append(figure);
  return same;
}
