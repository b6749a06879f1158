// Writes PNGs of the main pages of a demo home to packages/ui/screenshots/ (shown in the README).
//   pnpm --filter @mlinfra/ui build && node packages/ui/scripts/screenshots.mjs
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUi } from '../dist/index.js';
import { launchChromium } from './chromium.mjs';
import { buildDemoHome, DEMO_GATES } from './demo-home.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');
mkdirSync(out, { recursive: true });
const home = mkdtempSync(join(tmpdir(), 'mlinfra-ui-screenshots-'));
const demo = await buildDemoHome(home);
const ui = createUi({
  registry: demo.registry,
  datasets: demo.datasets,
  gates: DEMO_GATES,
  actions: true,
  auth: { tokens: [{ token: 'screenshot-token-0123456789', actor: 'alice' }] },
});
const server = createServer(ui.handler);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const shots = [
    ['runs', '/runs?experiment=churn'],
    ['run', `/runs/${demo.runs[1]}`],
    ['compare', `/compare?run=${demo.runs.join('&run=')}`],
    ['model-version', `/models/churn/versions/${demo.models.v2}`],
    ['dataset-version', `/datasets/trips/versions/${encodeURIComponent(demo.versions.v2)}`],
    ['drift', '/drift?dataset=trips&reference=v1&current=v2'],
    ['cost', '/cost'],
  ];
  for (const [name, path] of shots) {
    await page.goto(base + path);
    await page.waitForFunction(() =>
      [...document.querySelectorAll('figure.chart')].every(
        (figure) => figure.dataset.ready === '1',
      ),
    );
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
    console.log(`screenshots/${name}.png`);
  }
} finally {
  await browser.close();
  server.close();
  await ui.close();
  await demo.registry.close();
  rmSync(home, { recursive: true, force: true });
}
