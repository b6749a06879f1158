import type { Page, PageRequest, UiContext } from '../pages/context.js';
import { href } from '../pages/context.js';
import { html, type SafeHtml } from './html.js';

const SECTIONS = [
  ['runs', '/runs', 'Runs'],
  ['models', '/models', 'Models'],
  ['datasets', '/datasets', 'Datasets'],
  ['drift', '/drift', 'Drift'],
  ['cost', '/cost', 'Cost'],
] as const;

/** The whole HTML document of a page: header, navigation, content, scripts. */
export function layout(context: UiContext, request: PageRequest, page: Page): string {
  const nav = SECTIONS.map(
    ([section, path, label]) =>
      html`<a href="${href(request, path)}"${page.section === section ? html` aria-current="page"` : ''}>${label}</a>`,
  );
  let account: SafeHtml | string = '';
  if (context.actions && context.auth?.usesTokens === true) {
    account =
      request.actor === undefined
        ? html`<a class="login" href="${href(request, '/login', { next: request.url.pathname + request.url.search })}">Log in</a>`
        : html`<form method="post" action="${href(request, '/logout')}" class="inline"><input type="hidden" name="csrf" value="${request.csrf}"><span class="actor">${request.actor}</span> <button type="submit" class="link">Log out</button></form>`;
  }
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · ${context.title}</title>
<link rel="stylesheet" href="${request.base + context.asset('uPlot.min.css')}">
<link rel="stylesheet" href="${request.base + context.asset('style.css')}">
<script src="${request.base + context.asset('uPlot.iife.min.js')}" defer></script>
<script src="${request.base + context.asset('app.js')}" defer></script>
</head>
<body data-base="${request.base}">
<header><a class="brand" href="${href(request, '/')}">${context.title}</a><nav>${nav}</nav><div class="account">${account}</div></header>
<main>
${page.body}
</main>
</body>
</html>
`.value;
}
