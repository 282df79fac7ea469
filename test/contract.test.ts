import { describe, expect, test } from 'vitest';
import { ShaderCompileError } from '../src/errors.js';
import { parseFormat } from '../src/formats/registry.js';
import { FORMAT_FAMILIES } from '../src/formats/traits.js';
import { composeModule } from '../src/gpu/compose.js';
import { compileError } from '../src/gpu/pipelines.js';
import { wgslSource } from '../src/gpu/sources.js';
import { formatContractProblems } from '../src/ops/contract.js';
import { quantizeRequest } from '../src/ops/quantize.js';

// The format ↔ template contract in Node, no GPU: every registered family's test members composed into
// every module the engine builds for them, reflected, and checked for what the templates call.
describe('format ↔ template contract (src/ops/contract.ts)', () => {
  for (const family of FORMAT_FAMILIES) {
    test(`${family.name}: every test member composes into every template with what it needs`, () => {
      // Members that differ only in uniforms (group sizes) compose to the same modules: check each once.
      // Lattice members with fitted β are checked through a twin with given β (the same snippets and
      // constant names; fitting takes seconds and is not what is tested here).
      const twin = (id: string) =>
        id.replace(/-k(\d+)/, (_m, k: string) => `-b${Array.from({ length: Number(k) }, (_, j) => j + 1).join('_')}`);
      const distinct = new Map(family.examples.map(twin).map((id) => [JSON.stringify(parseFormat(id).wgsl), id]));
      for (const id of distinct.values()) expect(formatContractProblems(parseFormat(id)), id).toEqual([]);
    });
  }

  test(
    'a snippet broken on purpose is caught: decode8 renamed, ' + 'int8x8 missing, an encoder word builder missing',
    () => {
      const int4 = parseFormat('int4-g32');
      const broken = (path: string, from: RegExp, to: string) => (p: string) =>
        p === path ? wgslSource(p).replace(from, to) : wgslSource(p);
      expect(
        formatContractProblems(int4, broken('formats/int.wgsl', /fn FMT_decode8\(/, 'fn FMT_decode_eight(')),
      ).toContain("int4-g32, dequantize: the template calls q_decode8, which the format's snippet does not define");
      const noInt8 = formatContractProblems(int4, broken('formats/int.wgsl', /fn FMT_int8x8\(/, 'fn FMT_int8x8_gone('));
      expect(noInt8).toContainEqual(
        expect.stringMatching(/int4-g32, GEMM, integer path .*: the template calls x_int8x8/),
      );
      expect(noInt8).toContainEqual(
        expect.stringMatching(/the format claims intBlocks but its snippet does not define w_int8x8/),
      );
      expect(
        formatContractProblems(
          int4,
          broken('formats/group_words.wgsl', /fn FMT_encode_codes_word\(/, 'fn FMT_encode_codez_word('),
        ),
      ).toContain(
        "int4-g32, quantize: the template calls q_encode_codes_word, which the format's snippet does not define",
      );
    },
  );

  test('a compile error names the snippet file and line it came from, not the composed line', () => {
    const { code, origins } = composeModule(quantizeRequest(parseFormat('int4-g32')));
    const composedLine = code.split('\n').findIndex((l) => l.includes('fn q_encode_value(')) + 1;
    const e = compileError(quantizeRequest(parseFormat('int4-g32')), code, origins, [
      { lineNum: composedLine, message: "unresolved call target 'bogus'" },
    ]);
    expect(e).toBeInstanceOf(ShaderCompileError);
    const line =
      wgslSource('formats/int_encode.wgsl')
        .split('\n')
        .findIndex((l) => l.includes('fn FMT_encode_value(')) + 1;
    expect([e.file, e.line]).toEqual(['shaders/formats/int_encode.wgsl', line]);
    expect(e.message).toContain(
      `shaders/formats/int_encode.wgsl:${line} (composed line ${composedLine}): unresolved call target 'bogus'`,
    );
  });
});
