/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../scripts/chromium.mjs';
import { DEMO_GATES, HOSTILE_NAME } from '../scripts/demo-home.mjs';
import { type Served, serveDemo } from './test-support/serve.js';

const TOKEN = 'browser-token-0123456789';

/** Waits until every chart on the page has drawn (uPlot canvas present, data received). */
async function chartsDrawn(page: Page): Promise<number> {
  await page.waitForFunction(() => {
    const figures = [...document.querySelectorAll('figure.chart')];
    return (
      figures.length > 0 && figures.every((figure) => (figure as HTMLElement).dataset.ready === '1')
    );
  });
  const canvases = await page.locator('figure.chart canvas').count();
  expect(canvases).toBeGreaterThan(0);
  return canvases;
}

describe('the UI in Chromium', () => {
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    // Fails (never skips) with "apt-get install -y chromium" when the browser is missing.
    browser = await launchChromium();
    served = await serveDemo({
      actions: true,
      auth: { tokens: [{ token: TOKEN, actor: 'carol' }] },
      gates: DEMO_GATES,
      pollIntervalMs: 200,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('clicks through runs -> compare -> run -> model version -> lineage -> dataset, showing a hostile run name as text', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${served.url}/runs?experiment=churn`);
    // The hostile name is shown as text, and none of its markup ran.
    await expect(page.getByRole('link', { name: HOSTILE_NAME }).textContent()).resolves.toBe(
      HOSTILE_NAME,
    );
    expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);

    await page.getByRole('checkbox', { name: 'compare baseline-mlp' }).check();
    await page.getByRole('checkbox', { name: 'compare adam-wide' }).check();
    await page.getByRole('button', { name: 'Compare selected' }).click();
    await page.waitForURL(/\/compare\?run=/);
    expect(await chartsDrawn(page)).toBe(2);
    await expect(page.locator('table.diff tr.differs th', { hasText: 'lr' }).count()).resolves.toBe(
      1,
    );
    await page.getByLabel('Only rows that differ').check();
    expect(await page.locator('table.diff tr.same').first().isHidden()).toBe(true);

    await page.locator('table.diff thead a', { hasText: 'adam-wide' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f]{32}$/);
    await chartsDrawn(page);
    // Drag across the loss chart to zoom; the chart asks for that range again and redraws.
    const chart = page.locator('figure.chart').first();
    const box = (await chart.locator('.u-over').boundingBox())!;
    const before = await chart.getAttribute('data-points');
    const zoomed = page.waitForResponse((response) => response.url().includes('from='));
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await zoomed;
    await page.waitForFunction(
      (previous) =>
        document.querySelector('figure.chart')?.getAttribute('data-points') !== previous,
      before,
    );

    await page.locator('a.model-version-link', { hasText: 'churn/2' }).click();
    await page.waitForURL(/\/models\/churn\/versions\/2$/);
    await expect(page.locator('ol.lineage-chain').textContent()).resolves.toContain('adam-wide');
    await expect(page.locator('table.gates tr.fail').textContent()).resolves.toContain(
      'country=DE',
    );
    await page.locator('ol.lineage-chain a.digest').first().click();
    await page.waitForURL(/\/datasets\/trips\/versions\/sha256%3A/);
    await expect(page.locator('dd.row-count').textContent()).resolves.toBe('500');
    await chartsDrawn(page);
    await page.getByRole('link', { name: 'drift', exact: true }).click();
    await page.waitForURL(/\/drift\?/);
    await expect(page.locator('table.drift tbody tr').count()).resolves.toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens every page with status 200, no script error, and every chart drawn', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const paths = [
      '/',
      '/runs',
      '/models',
      '/models/churn',
      '/datasets',
      '/datasets/trips',
      '/datasets/trips/diff?a=v1&b=v2',
      '/drift',
      '/drift?log=churn&dataset=trips&reference=v1',
      '/cost',
      `/runs/${served.demo.hostileRun}`,
      `/compare?run=${served.demo.hostileRun}&run=${served.demo.runs[0]}`,
    ];
    for (const path of paths) {
      const response = await page.goto(served.url + path);
      expect(response?.status(), path).toBe(200);
      if ((await page.locator('figure.chart').count()) > 0) await chartsDrawn(page);
      // Hostile names reach chart legends too; none of their markup may run.
      expect(
        await page.evaluate(() => (window as { __xss?: unknown }).__xss),
        path,
      ).toBeUndefined();
    }
    await expect(page.locator('.u-legend').first().textContent()).resolves.toContain('<img src=x');
    await page.goto(`${served.url}/cost`);
    await expect(page.locator('table.budgets td.remaining').textContent()).resolves.toBe(
      '80.80 USD',
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('logs in with a token, moves an alias, and the registry records it under that actor', async () => {
    const page = await browser.newPage();
    await page.goto(`${served.url}/models/churn/versions/3`);
    await page.getByRole('link', { name: 'Log in' }).first().click();
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/models\/churn\/versions\/3$/);
    await expect(page.locator('header .actor').textContent()).resolves.toBe('carol');
    await page.getByLabel('Alias').fill('production');
    await page.getByRole('button', { name: 'Set alias to v3' }).click();
    await page.waitForURL(/notice=alias-set/);
    expect((await served.demo.registry.resolve('churn@production')).version).toBe(3);
    const entry = (await served.demo.registry.auditLog({ model: 'churn' })).at(-1);
    expect(entry).toMatchObject({
      action: 'alias.set',
      alias: 'production',
      version: 3,
      actor: 'carol',
    });
    // The model page's audit log shows who did it.
    await page.goto(`${served.url}/models/churn`);
    await expect(page.locator('table.audit tbody tr').first().textContent()).resolves.toContain(
      'carol',
    );
    await page.close();
  });

  it('shows the tables with JavaScript off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${served.url}/runs?experiment=churn&order=metrics.val_auc%20DESC`);
    const first = page.locator('table.runs tbody tr').first();
    await expect(first.locator('a.run-link').textContent()).resolves.toBe('adam-wide');
    await page.goto(`${served.url}/runs/${served.demo.runs[0]}`);
    await expect(page.locator('table.kv').first().textContent()).resolves.toContain('val_auc');
    await context.close();
  });

  it('updates a running run live', async () => {
    const page = await browser.newPage();
    await page.goto(`${served.url}/runs/${served.demo.liveRun.id}`);
    await chartsDrawn(page);
    expect(await page.locator('figure.chart').getAttribute('data-total')).toBe('10');
    for (let step = 10; step < 25; step++)
      await served.demo.liveRun.logMetrics({ loss: 1 / (step + 1) }, { step });
    await served.demo.liveRun.flush();
    await page.waitForFunction(
      () => document.querySelector('figure.chart')?.getAttribute('data-total') === '25',
    );
    await served.demo.liveRun.end('finished');
    await page.waitForFunction(
      () => document.querySelector('h1 .status')?.textContent === 'finished',
    );
    await page.close();
  });
});
