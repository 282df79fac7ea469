/**
 * Viterbi search of a bitshift trellis (docs/trellis.md §2): the state at step t is the L-bit window
 * [t·k, t·k + L) of the segment's bit stream, so each step shifts k new bits in at the top,
 * s_t = (s_{t−1} >> k) | (c_t << (L − k)), and weight t decodes to values[s_t]. The predecessors of s are
 * the 2^k states sharing its low L − k bits shifted up, so the best predecessor of every state with the same
 * low bits is one minimum: a step costs O(2^L), not O(2^{L+k}). Ties: the smallest predecessor index, and
 * the smallest final state (deterministic, stated so a GPU twin can match). The formats search integer
 * targets and levels (TrellisFormat.targets, .levels): every sum is then an exact integer in f64 and the GPU
 * twin (shaders/trellis_viterbi.wgsl) takes the same path.
 */
export class TrellisSearch {
  private readonly cost: Float64Array;
  private readonly next: Float64Array;
  private readonly best: Float64Array;
  private back: Uint8Array;
  readonly states: Uint32Array;

  constructor(
    readonly L: number,
    readonly k: number,
    maxSteps: number,
  ) {
    this.cost = new Float64Array(2 ** L);
    this.next = new Float64Array(2 ** L);
    this.best = new Float64Array(2 ** (L - k));
    this.back = new Uint8Array(maxSteps * 2 ** (L - k));
    this.states = new Uint32Array(maxSteps);
  }

  /**
   * The state sequence minimising Σ_t (x_t − values[s_t])² over x[start .. start + T) into `states`
   * (first T entries), values[s] being what the decoder returns for state s; returns the squared error.
   * With `endHigh` ≥ 0 the last state's high L − k bits must equal it (the path then joins a following
   * block whose first state s' is already decided: endHigh = s' & (2^{L−k} − 1)), as block-LDLQ needs.
   */
  search(x: ArrayLike<number>, start: number, T: number, values: ArrayLike<number>, endHigh = -1): number {
    const { L, k } = this;
    const S = 2 ** L;
    const lowCount = 2 ** (L - k);
    const lowMask = lowCount - 1;
    const fan = 2 ** k;
    if (!Number.isInteger(endHigh) || endHigh >= lowCount)
      throw new RangeError(`trellis search: endHigh ${endHigh} is not an (L − k)-bit state part`);
    if (this.back.length < T * lowCount) this.back = new Uint8Array(T * lowCount);
    let cost = this.cost;
    let next = this.next;
    const x0 = x[start];
    for (let s = 0; s < S; s++) cost[s] = (x0 - values[s]) ** 2;
    for (let t = 1; t < T; t++) {
      // best predecessor per group of states sharing their low L − k bits
      const back = t * lowCount;
      for (let low = 0; low < lowCount; low++) {
        const base = low * fan;
        let m = cost[base];
        let j = 0;
        for (let i = 1; i < fan; i++) {
          if (cost[base + i] < m) {
            m = cost[base + i];
            j = i;
          }
        }
        this.best[low] = m;
        this.back[back + low] = j;
      }
      const xt = x[start + t];
      for (let s = 0; s < S; s++) next[s] = this.best[s & lowMask] + (xt - values[s]) ** 2;
      const tmp = cost;
      cost = next;
      next = tmp;
    }
    // the final state: the cheapest of all, or of the 2^k that join the next block
    const first = endHigh < 0 ? 0 : endHigh * fan;
    const last = endHigh < 0 ? S : first + fan;
    let end = first;
    for (let s = first + 1; s < last; s++) if (cost[s] < cost[end]) end = s;
    const err = cost[end];
    const states = this.states;
    states[T - 1] = end;
    for (let t = T - 1; t > 0; t--) {
      const low = states[t] & lowMask;
      states[t - 1] = low * fan + this.back[t * lowCount + low];
    }
    return err;
  }
}
