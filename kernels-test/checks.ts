/** Comparison helpers for the kernel-test page: every mismatch is described, not just counted. */
import { POISON_BITS } from '../src/gpu/tensors.js';

export class Checker {
  readonly failures: string[] = [];
  codesCompared = 0;
  floatsCompared = 0;

  fail(msg: string): void {
    if (this.failures.length < 20) this.failures.push(msg);
    else if (this.failures.length === 20) this.failures.push('... (more failures omitted)');
  }

  /** Bit-for-bit equality of two u32 streams. */
  wordsEqual(what: string, got: Uint32Array, want: Uint32Array): void {
    if (got.length !== want.length) {
      this.fail(`${what}: length ${got.length} != ${want.length}`);
      return;
    }
    let bad = 0;
    for (let i = 0; i < want.length; i++) {
      if (got[i] !== want[i]) {
        if (bad < 3)
          this.fail(
            `${what}[${i}]: gpu 0x${got[i].toString(16)} cpu ` +
              `0x${want[i].toString(16)}${got[i] === POISON_BITS ? ' (never written: still poison)' : ''}`,
          );
        bad++;
      }
    }
    if (bad > 3) this.fail(`${what}: ${bad} of ${want.length} words differ`);
    this.codesCompared += want.length;
  }

  /** Bit-for-bit equality of f32 arrays (used where the GPU must reproduce the CPU exactly). */
  floatsBitEqual(what: string, got: Float32Array, want: Float32Array): void {
    this.wordsEqual(
      what,
      new Uint32Array(got.buffer, got.byteOffset, got.length),
      new Uint32Array(want.buffer, want.byteOffset, want.length),
    );
    this.codesCompared -= want.length;
    this.floatsCompared += want.length;
  }

  /** Every entry written (no poison NaN left) and finite. */
  allFinite(what: string, got: Float32Array): void {
    for (let i = 0; i < got.length; i++) {
      if (!Number.isFinite(got[i])) {
        this.fail(`${what}[${i}] = ${got[i]} (unwritten or non-finite)`);
        return;
      }
    }
  }

  equal(what: string, got: unknown, want: unknown): void {
    if (got !== want) this.fail(`${what}: ${String(got)}, expected ${String(want)}`);
  }

  below(what: string, value: number, limit: number): void {
    if (!(value < limit)) this.fail(`${what} = ${value} is not below ${limit}`);
  }

  /** Runs `fn` and checks that it throws an error of class `cls` whose message contains `text`. */
  async throws(
    what: string,
    fn: () => unknown,
    cls: abstract new (...a: never[]) => Error,
    text: RegExp,
  ): Promise<void> {
    try {
      await fn();
      this.fail(`${what}: did not throw`);
    } catch (e) {
      if (!(e instanceof cls))
        this.fail(`${what}: threw ${(e as Error)?.name}: ${(e as Error)?.message}, expected ${cls.name}`);
      else if (!text.test((e as Error).message))
        this.fail(`${what}: message '${(e as Error).message}' does not match ${text}`);
    }
  }
}
