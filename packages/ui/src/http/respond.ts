import type { ServerResponse } from 'node:http';

/** Headers of every page: no framing by other sites, no sniffing, scripts only from this UI. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'same-origin',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
  'cache-control': 'no-store',
};

/** Sends a complete answer (ignored when the headers already went out). */
export function send(
  response: ServerResponse,
  status: number,
  body: string | Uint8Array,
  headers: Readonly<Record<string, string | string[]>>,
): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  response.writeHead(status, { ...headers, 'content-length': String(bytes.byteLength) });
  response.end(bytes);
}

/** Sends JSON (for the chart data endpoints). */
export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, JSON.stringify(value), {
    'content-type': 'application/json; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
}

/** 303 See Other after a POST, so reloading the page does not repeat the change. */
export function redirect(
  response: ServerResponse,
  location: string,
  headers: Readonly<Record<string, string | string[]>> = {},
): void {
  send(response, 303, '', { ...headers, location, 'cache-control': 'no-store' });
}
