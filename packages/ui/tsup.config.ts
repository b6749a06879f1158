import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';

const require = createRequire(import.meta.url);

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  shims: true,
  target: 'node20',
  // The package ships its browser assets (its own script and styles, and uPlot's files), so a
  // user needs no build step.
  async onSuccess() {
    mkdirSync('dist/assets', { recursive: true });
    for (const name of ['app.js', 'style.css'])
      copyFileSync(`src/assets/${name}`, `dist/assets/${name}`);
    // uPlot is MIT licensed: its license travels with its files.
    copyFileSync(require.resolve('uplot/LICENSE'), 'dist/assets/uPlot.LICENSE');
    for (const name of ['uPlot.iife.min.js', 'uPlot.min.css']) {
      copyFileSync(require.resolve(`uplot/dist/${name}`), `dist/assets/${name}`);
    }
  },
});
