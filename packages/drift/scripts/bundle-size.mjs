// Bundles what a browser app embedding a drift check imports (detectDrift + profile + ksTest) with
// esbuild, minified, and fails when its gzip size is over the budget. Run after `pnpm build`:
//   node scripts/bundle-size.mjs            (prints sizes, exits 1 over the budget)
// Keep the budget tight: raise it only with a reason in the commit message.
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** Budget for the gzip size of the entry set, in bytes (issue 18: at most 40 KB). */
export const BUDGET_GZIP_BYTES = 40 * 1024;

const packageRoot = fileURLToPath(new URL('../', import.meta.url));

/** Bundles `contents` (an ES module importing @mlinfra/drift) and returns minified and gzip sizes. */
export async function measure(contents) {
  const result = await build({
    stdin: { contents, resolveDir: packageRoot, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const byPackage = {};
  for (const [path, input] of Object.entries(Object.values(result.metafile.outputs)[0].inputs)) {
    const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(path);
    const owner = match?.[1] ?? '@mlinfra/drift';
    byPackage[owner] = (byPackage[owner] ?? 0) + input.bytesInOutput;
  }
  return { minified: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength, byPackage };
}

/** The entry sets measured, as modules importing from `from` (the package, or its source). */
export function entrySets(from = '@mlinfra/drift') {
  return {
    'detectDrift + profile + ksTest': `export { detectDrift, profile, ksTest } from '${from}';`,
    'ksTest alone': `export { ksTest } from '${from}';`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let failed = false;
  for (const [name, contents] of Object.entries(entrySets())) {
    const size = await measure(contents);
    const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
    console.log(`${name}: ${kib(size.minified)} minified, ${kib(size.gzip)} gzip`);
    for (const [owner, bytes] of Object.entries(size.byPackage).sort((a, b) => b[1] - a[1])) {
      console.log(`  ${owner.padEnd(20)} ${kib(bytes)}`);
    }
    if (size.gzip > BUDGET_GZIP_BYTES) {
      failed = true;
      console.error(`  over the budget of ${kib(BUDGET_GZIP_BYTES)} gzip`);
    }
  }
  process.exit(failed ? 1 : 0);
}
