#!/usr/bin/env node
// The two checks `npm run lint` adds to Biome: no line over 120 characters (Biome's formatter wraps
// code but not comments or long strings), and no unused export — a symbol exported from a module that
// no other file imports and no package entry (src/index.ts, src/node/index.ts) re-exports.
// Prints one line per finding; exits 1 if there is any.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const DIRS = ['src', 'test', 'kernels-test', 'bench', 'demo', 'tools', 'bin'];
const MAX_LINE = 120;
const ENTRIES = ['src/index.ts', 'src/node/index.ts'];

function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (/\.(ts|mts|mjs|wgsl)$/.test(e.name)) out.push(p);
  }
  return out;
}

const files = DIRS.flatMap((d) => walk(path.join(ROOT, d))).concat(
  ['vite.config.ts', 'vitest.config.ts', 'vite.lib.config.ts'].map((f) => path.join(ROOT, f)),
);
const findings = [];

for (const f of files) {
  fs.readFileSync(f, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if ([...line].length > MAX_LINE)
        findings.push(
          `${path.relative(ROOT, f)}:${i + 1}: line of ${[...line].length} characters (at most ${MAX_LINE})`,
        );
    });
}

// Unused exports, over the TypeScript and JavaScript modules.
const modules = files.filter((f) => /\.(ts|mts|mjs)$/.test(f) && !f.endsWith('.d.mts'));
const sources = new Map(
  modules.map((f) => [f, ts.createSourceFile(f, fs.readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022, true)]),
);
/** Resolves a relative specifier to a module file of the repository (.js → .ts, .mjs as it is). */
function resolve(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')])
    if (sources.has(c)) return c;
  return null;
}
const used = new Map(); // file → Set of names imported from it ('*': everything)
const mark = (file, name) => {
  if (!used.has(file)) used.set(file, new Set());
  used.get(file).add(name);
};
for (const [file, sf] of sources) {
  for (const st of sf.statements) {
    if (
      (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) &&
      st.moduleSpecifier &&
      ts.isStringLiteral(st.moduleSpecifier)
    ) {
      const target = resolve(file, st.moduleSpecifier.text);
      if (!target) continue;
      if (ts.isImportDeclaration(st)) {
        const c = st.importClause;
        if (!c) continue;
        if (c.name) mark(target, 'default');
        if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) mark(target, '*');
        if (c.namedBindings && ts.isNamedImports(c.namedBindings))
          for (const el of c.namedBindings.elements) mark(target, (el.propertyName ?? el.name).text);
      } else if (!st.exportClause) mark(target, '*');
      else if (ts.isNamedExports(st.exportClause))
        for (const el of st.exportClause.elements) mark(target, (el.propertyName ?? el.name).text);
    }
  }
  // Dynamic imports (`await import('./x.js')`) and modules loaded by path (vite's ssrLoadModule('/bench/x.ts'),
  // page scripts) use the whole module.
  const visit = (n) => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) return;
    if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] &&
      ts.isStringLiteralLike(n.arguments[0])
    ) {
      const target = resolve(file, n.arguments[0].text);
      if (target) mark(target, '*');
    } else if (ts.isStringLiteralLike(n) && n.text.startsWith('/') && sources.has(path.join(ROOT, n.text)))
      mark(path.join(ROOT, n.text), '*');
    ts.forEachChild(n, visit);
  };
  visit(sf);
}
const entries = new Set(ENTRIES.map((e) => path.join(ROOT, e)));
const isExported = (n) =>
  ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
for (const [file, sf] of sources) {
  const rel = path.relative(ROOT, file);
  // Entry points, configs, scripts run by node and test files define their own surface.
  if (
    entries.has(file) ||
    !rel.includes('/') ||
    /\.test\.ts$/.test(rel) ||
    /^(tools|bin)\//.test(rel) ||
    /^bench\/.*\.mjs$/.test(rel)
  )
    continue;
  const names = used.get(file) ?? new Set();
  if (names.has('*')) continue;
  const exported = sf.statements.filter(isExported);
  for (const st of exported) {
    const declared = ts.isVariableStatement(st)
      ? st.declarationList.declarations.map((d) => d.name.getText(sf))
      : st.name
        ? [st.name.getText(sf)]
        : [];
    // A type is used when another export of its module names it (the API's signatures need it exported).
    const isType = ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st);
    const namedByOtherExport = (name) =>
      exported.some((o) => o !== st && new RegExp(`\\b${name}\\b`).test(o.getText(sf)));
    for (const name of declared) {
      if (name === 'default' || (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword))
        continue;
      if (!names.has(name) && !(isType && namedByOtherExport(name)))
        findings.push(
          `${rel}:${sf.getLineAndCharacterOfPosition(st.getStart(sf)).line + 1}: '${name}' is exported but no ` +
            `other module imports it (drop the export, or the code)`,
        );
    }
  }
}

for (const f of findings) console.log(f);
if (findings.length) {
  console.log(`lint: ${findings.length} finding(s)`);
  process.exit(1);
}
