import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { detectDrift, ksTest, profile } from './index.js';

const CHROMIUM = process.env.MLINFRA_CHROMIUM ?? '/usr/bin/chromium';
const packageRoot = fileURLToPath(new URL('../', import.meta.url));

/** The browser bundle of the entry set whose size is budgeted, as a script defining `drift`. */
async function bundle(): Promise<string> {
  const result = await build({
    stdin: {
      contents: "export { detectDrift, profile, ksTest } from './src/index.ts';",
      resolveDir: packageRoot,
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'drift',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return new TextDecoder().decode(result.outputFiles[0]!.contents);
}

/** Two samples with a clear shift in `x` and none in `plan`, deterministic. */
function samples() {
  const rows = (shift: number, count: number) =>
    Array.from({ length: count }, (_, index) => ({
      x: Math.sin(index * 12.9898) * 10 + shift,
      plan: ['free', 'pro', 'team'][index % 3]!,
    }));
  return { reference: rows(0, 400), current: rows(1.5, 300) };
}

/** What the page and the worker compute, so both are compared with Node on the same code. */
const computeSource = `(input) => {
  const report = drift.detectDrift(input.reference, input.current);
  const ks = drift.ksTest(input.reference.map((r) => r.x), input.current.map((r) => r.x));
  const rows = drift.profile(input.reference).rowCount;
  return JSON.parse(JSON.stringify({ report: { ...report, createdAt: 'now' }, ks, rows }));
}`;

describe('the browser bundle in headless Chromium', () => {
  it("detectDrift, ksTest and profile give Node's results on a page and in a Worker", async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set MLINFRA_CHROMIUM`,
      );
    }
    const input = samples();
    const inNode = JSON.parse(
      JSON.stringify({
        report: { ...detectDrift(input.reference, input.current), createdAt: 'now' },
        ks: ksTest(
          input.reference.map((row) => row.x),
          input.current.map((row) => row.x),
        ),
        rows: profile(input.reference).rowCount,
      }),
    );
    expect(inNode.report.columns.find((c: { column: string }) => c.column === 'x').drifted).toBe(
      true,
    );

    const code = await bundle();
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.setContent('<!doctype html><title>drift</title>');
      await page.addScriptTag({ content: code });
      // Page code is passed as expression strings (page.evaluate runs them in the page).
      const onPage = await page.evaluate(`(${computeSource})(${JSON.stringify(input)})`);
      expect(onPage).toEqual(inNode);

      // Runs in the page (DOM types are not in this package's TypeScript lib, so it is a string).
      const runInWorker = `({ bundleCode, source, data }) => new Promise((resolve, reject) => {
        const script = bundleCode + ';\\nconst compute = ' + source +
          ';\\nonmessage = (event) => postMessage(compute(event.data));';
        const worker = new Worker(URL.createObjectURL(new Blob([script], { type: 'text/javascript' })));
        worker.onmessage = (event) => resolve(event.data);
        worker.onerror = (event) => reject(new Error(event.message));
        worker.postMessage(data);
      })`;
      const workerInput = { bundleCode: code, source: computeSource, data: input };
      const inWorker = await page.evaluate(`(${runInWorker})(${JSON.stringify(workerInput)})`);
      expect(inWorker).toEqual(inNode);
    } finally {
      await browser.close();
    }
  });
});
