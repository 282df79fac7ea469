/**
 * Text drawn on a canvas for the OCR demo, tests and benches: one line (the recogniser's input) or a page
 * of paragraphs in alternating fonts (the detector's), with where each line was drawn.
 */
import type { Box, RgbaImage } from '../src/model/ocr/image.js';
import { OCR_HEIGHT } from '../src/model/ocr/recognise.js';

/** A rendered line: its pixels and the canvas they were drawn on (the demo shows it). */
export interface RenderedLine extends RgbaImage {
  readonly data: Uint8ClampedArray;
  readonly canvas: HTMLCanvasElement;
}

function canvas2d(width: number, height: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  return { canvas, ctx };
}

/** Width of `text` in `font`, in pixels (rounded up). */
export function textWidth(text: string, font: string): number {
  const ctx = document.createElement('canvas').getContext('2d')!;
  ctx.font = font;
  return Math.ceil(ctx.measureText(text).width);
}

/**
 * Black text at x = 8 on a white canvas 48 px high, `width` wide (default: the text plus 8 px each side),
 * the vertical middle of the text on the canvas's middle.
 */
export function renderLine(text: string, options: { width?: number; font?: string } = {}): RenderedLine {
  const font = options.font ?? '30px sans-serif';
  const width = options.width ?? Math.max(OCR_HEIGHT, textWidth(text, font) + 16);
  const { canvas, ctx } = canvas2d(width, OCR_HEIGHT);
  ctx.fillStyle = '#000';
  ctx.font = font;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 8, OCR_HEIGHT / 2);
  return { data: ctx.getImageData(0, 0, width, OCR_HEIGHT).data, width, height: OCR_HEIGHT, canvas };
}

/** A rendered page: its pixels, canvas, and every line with the box it was drawn in. */
export interface RenderedPage extends RenderedLine {
  readonly lines: readonly { readonly text: string; readonly box: Box }[];
}

export interface PageStyle {
  /** Fonts taken in turn by the paragraphs (default sans-serif, serif). */
  readonly fonts?: readonly string[];
  /** Font size in pixels (28). */
  readonly size?: number;
  /** Page margin in pixels (32). */
  readonly margin?: number;
}

/**
 * Paragraphs (each a list of lines, drawn as given: no wrapping) on a white page, one font per paragraph
 * in turn, 1.5 lines apart and a blank half line between paragraphs; the page is as wide as the widest line.
 */
export function renderPage(paragraphs: readonly (readonly string[])[], style: PageStyle = {}): RenderedPage {
  const fonts = style.fonts ?? ['sans-serif', 'serif'];
  const size = style.size ?? 28;
  const margin = style.margin ?? 32;
  const fontOf = (p: number) => `${size}px ${fonts[p % fonts.length]}`;
  const step = Math.round(1.5 * size);
  const widest = Math.max(...paragraphs.flatMap((para, p) => para.map((l) => textWidth(l, fontOf(p)))));
  const lineCount = paragraphs.reduce((n, para) => n + para.length, 0);
  const width = widest + 2 * margin;
  const height = 2 * margin + lineCount * step + (paragraphs.length - 1) * Math.round(step / 2);
  const { canvas, ctx } = canvas2d(width, height);
  ctx.fillStyle = '#111';
  ctx.textBaseline = 'middle';
  const lines: { text: string; box: Box }[] = [];
  let y = margin;
  paragraphs.forEach((para, p) => {
    ctx.font = fontOf(p);
    for (const text of para) {
      ctx.fillText(text, margin, y + step / 2);
      lines.push({ text, box: { x: margin, y, w: textWidth(text, ctx.font), h: step } });
      y += step;
    }
    y += Math.round(step / 2);
  });
  return { data: ctx.getImageData(0, 0, width, height).data, width, height, canvas, lines };
}
