import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(packageDir, 'dist', 'index.d.ts');
// The optimizer's settings objects sit in a union inside a union; z.input's type for them does not
// carry the fields' TSDoc to users (the TSDoc of `optimizer` and `OptimizerSpec` lists the defaults).
const NOT_DESCENDED = new Set(['TrainOptions.optimizer']);

/** Fields of the published options types (nested options objects included) that have no TSDoc. */
function undocumentedFields(): { checked: string[]; missing: string[] } {
  const program = ts.createProgram([entry], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const module = source && checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`Cannot read ${entry}`);
  const checked: string[] = [];
  const missing: string[] = [];
  const ours = (symbol: ts.Symbol) =>
    (symbol.declarations ?? []).some((declaration) => declaration.getSourceFile() === source);
  const visit = (type: ts.Type, path: string, depth: number) => {
    for (const property of checker.getPropertiesOfType(type)) {
      if (!ours(property)) continue;
      const name = `${path}.${property.getName()}`;
      checked.push(name);
      if (ts.displayPartsToString(property.getDocumentationComment(checker)).trim() === '')
        missing.push(name);
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      if (declaration === undefined || depth > 2 || NOT_DESCENDED.has(name)) continue;
      const inner = checker.getNonNullableType(
        checker.getTypeOfSymbolAtLocation(property, declaration),
      );
      const members = inner.isUnion() ? inner.types : [inner];
      for (const member of members) {
        if (member.getCallSignatures().length > 0 || checker.isArrayType(member)) continue;
        if (checker.getPropertiesOfType(member).some(ours)) visit(member, name, depth + 1);
      }
    }
  };
  for (const symbol of checker.getExportsOfModule(module)) {
    if (!symbol.getName().endsWith('Options')) continue;
    visit(checker.getDeclaredTypeOfSymbol(symbol), symbol.getName(), 0);
  }
  return { checked, missing };
}

describe('published types', () => {
  it('keep the TSDoc of every options field (nested options objects too) in dist/index.d.ts', () => {
    if (!existsSync(entry)) {
      throw new Error(
        `This test reads the built declarations; build first: pnpm --filter @mlinfra/trainer build (${entry} is missing)`,
      );
    }
    const { checked, missing } = undocumentedFields();
    expect(checked).toEqual(
      expect.arrayContaining([
        'TrainOptions.epochs',
        'TrainOptions.checkpoint.keepBest.monitor',
        'TrainOptions.data.validation',
        'SaveModelArtifactOptions.signature.labels',
        'EarlyStoppingOptions.patience',
      ]),
    );
    expect(missing).toEqual([]);
  });
});
