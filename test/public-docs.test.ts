import ts from 'typescript';
import { expect, test } from 'vitest';

// Every export of the package's two entry points carries a TSDoc comment (what an editor shows a user).
test('every public export of src/index.ts and src/node/index.ts has a doc comment', () => {
  const entries = ['src/index.ts', 'src/node/index.ts'];
  const program = ts.createProgram(entries, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ['@webgpu/types', 'vite/client', 'node'],
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  for (const entry of entries) {
    const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!);
    const undocumented = exports.filter((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return !ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
    });
    expect(exports.length, entry).toBeGreaterThan(50);
    expect(
      undocumented.map((s) => s.name),
      entry,
    ).toEqual([]);
  }
});
