/**
 * Test file order (vitest.config.ts `sequence.sequencer`): the long browser tests start first. Without a
 * timing cache (a fresh clone, CI) vitest starts larger files first, so with three workers the OCR test —
 * the longest file (~18 min beside the others on two cores) but a small one — started only when the
 * consumer and graph tests had finished, ~200 s in, and its end set the suite's length. The rest keeps
 * vitest's order.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first (measured in fresh-clone runs): the OCR test, the kernel suite, the demo page test. */
const LONG_POLES = ['kernels-test/ocr.test.ts', 'kernels-test/kernels.test.ts', 'kernels-test/pages.test.ts'];

const rank = (spec: TestSpecification) => {
  const i = LONG_POLES.findIndex((p) => spec.moduleId.replaceAll('\\', '/').endsWith(p));
  return i < 0 ? LONG_POLES.length : i;
};

export default class LongPolesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
