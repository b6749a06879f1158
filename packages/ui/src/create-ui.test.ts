import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_NAME } from '../scripts/demo-home.mjs';
import { createUi } from './create-ui.js';
import { postForm, type Served, serveDemo } from './test-support/serve.js';

const TOKEN = 'test-token-0123456789abcdef';

function noStack(body: string): void {
  expect(body).not.toMatch(/\bat \S+ \(/);
  expect(body).not.toMatch(/\.ts:\d+/);
}

describe('createUi over HTTP', () => {
  let served: Served;
  let hookCalls: Array<{ type: string; model: string }> = [];
  let verdict: boolean | string = false;
  let hooked: Served;
  const unexpected: unknown[] = [];

  beforeAll(async () => {
    served = await serveDemo({
      onError: (error) => unexpected.push(error),
      actions: true,
      auth: { tokens: [{ token: TOKEN, actor: 'alice' }] },
      gates: {
        churn: { champion: [{ metric: 'auc', min: 0.8, maxRegression: 0.01, slices: 'all' }] },
      },
    });
    hooked = await serveDemo({
      actions: true,
      auth: {
        authorize: (_request, action) => {
          hookCalls.push(action);
          return verdict;
        },
      },
    });
  });
  afterAll(async () => {
    await served?.close();
    await hooked?.close();
  });

  it('answers 404 pages for an unknown run, model, dataset version and page, without a stack trace', async () => {
    for (const path of [
      '/runs/0123456789abcdef0123456789abcdef',
      '/models/nope',
      `/datasets/trips/versions/sha256%3A${'0'.repeat(64)}`,
      '/datasets/nope',
      '/no/such/page',
      '/models/churn/versions/99',
    ]) {
      const response = await fetch(served.url + path);
      const body = await response.text();
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(body).toContain('<h1>Not found</h1>');
      noStack(body);
    }
  });

  it('answers 400 for a malformed filter, keeping the form and showing the escaped filter', async () => {
    const filter = `metrics.loss < and <script>alert(1)</script>`;
    const response = await fetch(`${served.url}/runs?filter=${encodeURIComponent(filter)}`);
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(body).toContain('role="alert"');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).not.toContain('<script>alert(1)</script>');
    noStack(body);
  });

  it('answers 400 for a bad version number, a bad page token, a bad escape and too many runs to compare', async () => {
    const compare = `/compare?${Array.from({ length: 11 }, (_, index) => `run=${index}`).join('&')}`;
    for (const path of [
      '/models/churn/versions/abc',
      '/runs?page=garbage',
      '/runs/%E0%A4%A',
      compare,
      '/drift?dataset=trips',
      '/api/runs/x/metrics/loss?from=abc',
    ]) {
      const response = await fetch(served.url + path);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
      noStack(await response.text());
    }
  });

  it('shows each version gate results per configured alias on the model page', async () => {
    const body = await (await fetch(`${served.url}/models/churn`)).text();
    expect(body).toContain('<th>Gates @champion</th>');
    expect(body).toMatch(/country=DE: slice &quot;country=DE&quot;: auc 0\.78 &lt; min 0\.8/);
  });

  it('never answers 500 to hostile addresses', async () => {
    const run = served.demo.runs[0];
    const paths = [
      '/runs?order=%3Cscript%3E',
      '/runs?experiment=%3Cb%3E',
      '/runs?order=metrics.x%20SIDEWAYS',
      "/runs?filter=name%20LIKE%20'%25",
      '/runs?filter=params.%3Cx%3E%20%3D%201',
      '/api/runs/x/metrics/y',
      `/api/runs/${run}/metrics/%00`,
      `/api/runs/${run}/metrics/nope`,
      `/api/runs/${run}/metrics/loss?points=-5&from=9e999`,
      '/datasets/..%2F..',
      '/datasets/trips/versions/notadigest',
      '/datasets/trips/diff?a=v1&b=nope',
      '/datasets/trips?branch=%3Cx',
      '/models/%3Cx%3E',
      '/models/churn/versions/1e3',
      '/models/churn/versions/99999999999999999999',
      '/drift?dataset=trips&reference=nope&current=main',
      '/dataset-versions/xyz',
      '/compare?run=a&run=b',
      '/runs/%ZZ',
      '/assets/app.js',
    ];
    for (const path of paths) {
      const response = await fetch(served.url + path);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
      noStack(await response.text());
    }
    expect((await fetch(`${served.url}/runs`, { method: 'PUT' })).status).toBe(405);
    expect(unexpected).toEqual([]);
  });

  it('escapes hostile run names, params and tags on every page that shows them', async () => {
    const pages = [
      '/runs',
      `/runs/${served.demo.hostileRun}`,
      `/compare?run=${served.demo.hostileRun}&run=${served.demo.runs[0]}`,
    ];
    for (const path of pages) {
      const body = await (await fetch(served.url + path)).text();
      expect(body, path).not.toContain('<img src=x');
      expect(body, path).not.toContain('<script>window.__xss');
      expect(body, path).not.toContain('<svg onload');
      expect(body, path).toContain('&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;');
    }
    expect(HOSTILE_NAME).toContain('<img');
  });

  it('serves assets with content hashes in their names and a year of caching', async () => {
    const page = await (await fetch(`${served.url}/runs`)).text();
    const paths = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(paths.length).toBe(4);
    for (const path of paths) {
      const response = await fetch(served.url + path);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
  });

  it('refuses changes without a token, with a wrong token, and from a cookie session without the CSRF field', async () => {
    const form = new URLSearchParams({ alias: 'staging', version: '3' });
    const post = (headers: Record<string, string>, body = form) =>
      fetch(`${served.url}/models/churn/aliases`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    expect((await post({})).status).toBe(403); // no CSRF cookie at all
    const behindTls = await fetch(`${served.url}/login`, {
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(behindTls.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Secure/);
    const login = await fetch(`${served.url}/login`);
    const csrfCookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = decodeURIComponent(csrfCookie.split('=')[1]!);
    const withCsrf = new URLSearchParams({ alias: 'staging', version: '3', csrf });
    expect((await post({ cookie: csrfCookie }, withCsrf)).status).toBe(401);
    expect((await post({ authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    // A session cookie alone is not enough: the form must echo the CSRF cookie.
    const session = await fetch(`${served.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
      body: new URLSearchParams({ token: TOKEN, csrf, next: '/models' }),
    });
    expect(session.status).toBe(303);
    expect(session.headers.get('location')).toBe('/models');
    // Only a path of this UI may follow a login: no other host, no header injection.
    for (const next of [
      '//evil.example/x',
      '/\\evil.example',
      '/runs\r\nSet-Cookie: x=1',
      'https://evil.example',
    ]) {
      const redirected = await fetch(`${served.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
        body: new URLSearchParams({ token: TOKEN, csrf, next }),
      });
      expect(redirected.status, next).toBe(303);
      expect(redirected.headers.get('location'), next).toBe('/');
    }
    const sessionCookie = session.headers.get('set-cookie')!.split(';')[0]!;
    expect((await post({ cookie: sessionCookie })).status).toBe(403);
    expect(
      (
        await post(
          { cookie: `${sessionCookie}; ${csrfCookie}`, origin: 'http://evil.example' },
          withCsrf,
        )
      ).status,
    ).toBe(403);
    await expect(served.demo.registry.resolve('churn@staging')).rejects.toThrow();
    const done = await post({ cookie: `${sessionCookie}; ${csrfCookie}` }, withCsrf);
    expect(done.status).toBe(303);
    expect((await served.demo.registry.resolve('churn@staging')).version).toBe(3);
    const last = (await served.demo.registry.auditLog({ model: 'churn' })).at(-1)!;
    expect(last).toMatchObject({ action: 'alias.set', alias: 'staging', actor: 'alice' });
  });

  it('takes a bearer token from scripts without a CSRF field, and shows why gates refuse a promotion', async () => {
    const headers = {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/x-www-form-urlencoded',
    };
    const refused = await fetch(`${served.url}/models/churn/versions/2/promote`, {
      method: 'POST',
      redirect: 'manual',
      headers,
      body: new URLSearchParams({ alias: 'champion' }),
    });
    const body = await refused.text();
    expect(refused.status).toBe(409);
    expect(body).toContain('Promotion to @champion refused');
    expect(body).toContain('country=DE');
    expect((await served.demo.registry.resolve('churn@champion')).version).toBe(1);
    const approve = await fetch(`${served.url}/models/churn/versions/3/approval`, {
      method: 'POST',
      redirect: 'manual',
      headers,
      body: new URLSearchParams({ status: 'approved', reason: 'looks <good>' }),
    });
    expect(approve.status).toBe(303);
    const version = await served.demo.registry.getVersion('churn', 3);
    expect(version.approval).toMatchObject({
      status: 'approved',
      by: 'alice',
      reason: 'looks <good>',
    });
    const promoted = await fetch(`${served.url}/models/churn/versions/3/promote`, {
      method: 'POST',
      redirect: 'manual',
      headers,
      body: new URLSearchParams({ alias: 'champion' }),
    });
    expect(promoted.status).toBe(303);
    expect((await served.demo.registry.resolve('churn@champion')).version).toBe(3);
  });

  it('asks the authorize hook, and records the actor it names', async () => {
    const headers = {
      authorization: 'Bearer anything',
      'content-type': 'application/x-www-form-urlencoded',
    };
    const post = () =>
      fetch(`${hooked.url}/models/churn/aliases`, {
        method: 'POST',
        redirect: 'manual',
        headers,
        body: new URLSearchParams({ alias: 'blue', version: '2' }),
      });
    // Without tokens there is nothing to log in with.
    expect((await fetch(`${hooked.url}/login`)).status).toBe(404);
    verdict = false;
    expect((await post()).status).toBe(403);
    expect(hookCalls.at(-1)).toEqual({
      type: 'alias.set',
      model: 'churn',
      alias: 'blue',
      version: 2,
    });
    verdict = 'bob';
    expect((await post()).status).toBe(303);
    const last = (await hooked.demo.registry.auditLog({ model: 'churn' })).at(-1)!;
    expect(last).toMatchObject({ action: 'alias.set', alias: 'blue', actor: 'bob' });
    hookCalls = [];
  });

  it('is read-only by default: forms are not shown and posts are refused', async () => {
    const readOnly = createUi({ registry: served.demo.registry });
    const { createServer } = await import('node:http');
    const server = createServer(readOnly.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const page = await (await fetch(`${url}/models/churn/versions/2`)).text();
      expect(page).not.toContain('<form method="post"');
      const response = await postForm(`${url}/models/churn/aliases`, 'alias=x&version=1', TOKEN);
      expect(response.status).toBe(403);
    } finally {
      server.close();
    }
  });

  it('rejects bad options: actions without auth, unknown keys, short tokens', () => {
    expect(() => createUi({ registry: served.demo.registry, actions: true })).toThrow(
      /auth\.tokens or auth\.authorize/,
    );
    expect(() => createUi({ registry: served.demo.registry, pagesize: 10 } as never)).toThrow(
      /pagesize/,
    );
    expect(() => createUi({ registry: served.demo.registry, auth: { tokens: ['short'] } })).toThrow(
      /16 characters/,
    );
  });

  it('downsamples a long series to the requested points, keeping spikes', async () => {
    const run = await served.demo.registry.startRun({ experiment: 'long', name: 'long' });
    for (let step = 0; step < 20_000; step++) {
      await run.logMetrics({ loss: step === 12_345 ? 99 : Math.cos(step / 50) }, { step });
    }
    await run.end();
    const response = await fetch(`${served.url}/api/runs/${run.id}/metrics/loss?points=500`);
    const data = (await response.json()) as {
      steps: number[];
      values: number[];
      total: number;
      downsampled: boolean;
    };
    expect(data.total).toBe(20_000);
    expect(data.downsampled).toBe(true);
    expect(data.steps.length).toBeLessThanOrEqual(500);
    expect(data.values).toContain(99);
    const zoomed = (await (
      await fetch(`${served.url}/api/runs/${run.id}/metrics/loss?points=500&from=100&to=199`)
    ).json()) as { steps: number[] };
    expect(zoomed.steps).toEqual(Array.from({ length: 100 }, (_, index) => 100 + index));
  });

  it('reports drift of a prediction log window against a dataset version, and 4xx for bad windows', async () => {
    const calm = await fetch(
      `${served.url}/drift?log=churn&dataset=trips&reference=v1&to=2026-03-02T00:00:00Z`,
    );
    const calmBody = await calm.text();
    expect(calm.status).toBe(200);
    expect(calmBody).toContain('300 predictions');
    const shifted = await (
      await fetch(
        `${served.url}/drift?log=churn&dataset=trips&reference=v1&from=2026-03-02T00:00:00Z`,
      )
    ).text();
    expect(shifted).toContain('Dataset drift detected');
    expect(shifted).toMatch(/<tr class="fail"><th>distance<\/th>/);
    const report = await fetch(
      `${served.url}/drift/report.html?log=churn&dataset=trips&reference=v1&from=2026-03-02T00:00:00Z`,
    );
    expect(report.status).toBe(200);
    expect(report.headers.get('content-security-policy')).toContain('sandbox');
    expect((await fetch(`${served.url}/drift?log=nope&dataset=trips&reference=v1`)).status).toBe(
      404,
    );
    expect(
      (await fetch(`${served.url}/drift?log=churn&dataset=trips&reference=v1&from=yesterday`))
        .status,
    ).toBe(400);
    expect(
      (
        await fetch(
          `${served.url}/drift?log=churn&dataset=trips&reference=v1&from=2030-01-01T00:00:00Z`,
        )
      ).status,
    ).toBe(404);
  });

  it('mounts under a base path: links and assets carry it', async () => {
    const mounted = createUi({ registry: served.demo.registry, basePath: '/ui' });
    const { createServer } = await import('node:http');
    const server = createServer(mounted.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const body = await (await fetch(`${url}/ui/runs`)).text();
      expect(body).toContain(`href="/ui/runs/${served.demo.runs[0]}"`);
      expect(body).toMatch(/src="\/ui\/assets\/app\.[0-9a-f]{12}\.js"/);
      const asset = body.match(/src="(\/ui\/assets\/app\.[0-9a-f]{12}\.js)"/)![1]!;
      expect((await fetch(url + asset)).status).toBe(200);
    } finally {
      server.close();
    }
  });
});
