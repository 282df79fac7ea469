/**
 * The CPU reference executor: runs a resolved graph node by node with each op's f32 CPU evaluation
 * (src/graph/ops.ts). The GPU runner is checked against it op by op and node by node.
 */
import { ShapeError } from '../errors.js';
import { f32Tensor, type HostTensor, numel } from './host.js';
import type { ResolvedGraph } from './resolve.js';

/**
 * Runs the graph on `inputs` (f32 values by input name); returns the outputs, or every value when
 * `keepAll` (for per-node comparisons).
 */
export function runReference(
  graph: ResolvedGraph,
  inputs: Readonly<Record<string, Float32Array>>,
  keepAll = false,
): Map<string, HostTensor> {
  const live = new Map<string, HostTensor>();
  for (const v of graph.inputs) {
    const data = Object.hasOwn(inputs, v.name) ? inputs[v.name] : undefined;
    if (!data || data.length !== numel(v.dims))
      throw new ShapeError(
        `input ${JSON.stringify(v.name)} needs ${numel(v.dims)} values for ${JSON.stringify(v.dims)}, got ` +
          `${data?.length ?? 'none'}`,
      );
    live.set(v.name, f32Tensor(v.dims, data));
  }
  const get = (v: { name: string; constant?: HostTensor }) => {
    const t = live.get(v.name) ?? v.constant;
    if (!t) throw new ShapeError(`value ${JSON.stringify(v.name)} was not computed`);
    return t;
  };
  for (const n of graph.nodes) {
    const outs = n.def.cpu(
      n.x,
      n.inputs.map((v) => (v ? get(v) : f32Tensor([0], new Float32Array(0)))),
    );
    n.outputs.forEach((v, i) => {
      live.set(v.name, outs[i]);
    });
  }
  if (keepAll) return live;
  return new Map(graph.outputs.map((o) => [o.name, get(o)]));
}
