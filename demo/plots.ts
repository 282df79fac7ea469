/**
 * The demo's two plots, drawn with uPlot (≈50 kB, canvas, log scales and a hover legend built in: the
 * smallest well-kept library that does what these plots need).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { gammaBound, gaussianDistortionRate, R_STAR } from '../src/theory/gaussian.js';
import type { RdPoint } from './rd.js';

const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
];

const noPath = () => null;

function sizeOf(el: HTMLElement): { width: number; height: number } {
  const width = Math.max(280, Math.min(900, el.clientWidth || 640));
  return { width, height: Math.round(Math.min(420, width * 0.6)) };
}

/**
 * Product NMSE (log) against bits/entry: Γ(R) with its linear branch below R* ≈ 0.906 bit, the Gaussian
 * D(R), and one point series per scheme family. All series share one x array (curve grid ∪ points);
 * a family's values are null off its points.
 */
export function rdPlot(el: HTMLElement, points: readonly RdPoint[], previous?: uPlot): uPlot {
  previous?.destroy();
  const grid = Array.from({ length: 161 }, (_, i) => i * 0.0625);
  // schemes of one family at the same rate (e2m3 and e3m2 at 6.5 bits) get x nudged by 1e-9 bit each
  const used = new Set(grid.concat(R_STAR));
  const at = points.map((p) => {
    let x = p.bitsPerEntry;
    while (used.has(x)) x += 1e-9;
    used.add(x);
    return x;
  });
  const xs = [...used].sort((a, b) => a - b);
  const families = [...new Set(points.map((p) => p.family))];
  const data: (number | null)[][] = [xs, xs.map((x) => gammaBound(x)), xs.map((x) => gaussianDistortionRate(x))];
  for (const fam of families) {
    const byX = new Map(points.flatMap((p, i) => (p.family === fam ? [[at[i], p.productNmse] as const] : [])));
    data.push(xs.map((x) => byX.get(x) ?? null));
  }
  const opts: uPlot.Options = {
    ...sizeOf(el),
    title: 'Product NMSE vs bits per entry (both operands quantized)',
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [
      { label: 'bits / entry' },
      { label: 'NMSE of X·Wᵀ', values: (_u, vals) => vals.map((v) => (v == null ? '' : v.toExponential(0))) },
    ],
    series: [
      { label: 'R', value: (_u, v) => (v == null ? '–' : v.toFixed(3)) },
      { label: 'Γ(R) (R* = 0.906)', stroke: '#000', width: 2, points: { show: false } },
      { label: 'D(R) = 2^(−2R)', stroke: '#888', width: 1, dash: [6, 4], points: { show: false } },
      ...families.map((fam, i) => ({
        label: fam,
        stroke: COLORS[i % COLORS.length],
        fill: COLORS[i % COLORS.length],
        paths: noPath,
        points: { show: true, size: 8, fill: COLORS[i % COLORS.length] },
        value: (_u: uPlot, v: number | null) => (v == null ? '–' : v.toExponential(3)),
      })),
    ],
  };
  return new uPlot(opts, data as uPlot.AlignedData, el);
}

/** λ*(u) (normalised) with the K-level quantizer's cell boundaries drawn as vertical lines. */
export function densityPlot(
  el: HTMLElement,
  us: number[],
  density: number[],
  thresholds: readonly number[],
  previous?: uPlot,
): uPlot {
  previous?.destroy();
  const opts: uPlot.Options = {
    ...sizeOf(el),
    title: 'Optimal point density λ*(u) and the quantizer cells',
    scales: { x: { time: false } },
    axes: [{ label: 'u = x / σ' }, { label: 'λ*(u)' }],
    series: [
      { label: 'u', value: (_u, v) => (v == null ? '–' : v.toFixed(2)) },
      { label: 'λ*(u)', stroke: '#1f77b4', width: 2, points: { show: false } },
    ],
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = 'rgba(214, 39, 40, 0.55)';
          ctx.lineWidth = 1;
          for (const t of thresholds) {
            const x = Math.round(u.valToPos(t, 'x', true));
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  };
  return new uPlot(opts, [us, density], el);
}

/** Resizes a plot to its container (window resizes, phone rotation). */
export function fitPlot(u: uPlot | undefined, el: HTMLElement): void {
  u?.setSize(sizeOf(el));
}
