import { html } from '../html/html.js';
import { href, type Page, type PageRequest, type UiContext } from './context.js';
import { csrfField } from './models-page.js';

/** Only local paths may follow a login (no open redirect). */
export function safeNext(request: PageRequest, next: string | null): string {
  // A path of this UI only: no other host (`//x`, `/\\x`), no control characters or spaces.
  if (next === null || !/^\/(?![/\\])[\x21-\x7e]*$/.test(next)) {
    return href(request, '/');
  }
  return `${request.base}${next}`;
}

/** `/login`: a form that trades a token for a session cookie. */
export function loginPage(_context: UiContext, request: PageRequest, failed = false): Page {
  const next = request.url.searchParams.get('next') ?? '/';
  const body = html`<h1>Log in</h1>
${failed ? html`<p class="error" role="alert">That token is not valid.</p>` : ''}
<form method="post" action="${href(request, '/login')}" class="login-form">${csrfField(request)}
<input type="hidden" name="next" value="${next}">
<label>Token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Log in</button></form>
<p>Scripts send <code>Authorization: Bearer &lt;token&gt;</code> instead.</p>`;
  return { title: 'Log in', body, ...(failed ? { status: 401 } : {}) };
}
