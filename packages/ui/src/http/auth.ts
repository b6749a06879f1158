import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { UiAction, UiAuthorize, UiToken } from '../options.js';
import { HttpError } from './http-error.js';

/** Cookie names. SameSite=Strict and HttpOnly: no other site's page sends or reads them. */
export const SESSION_COOKIE = 'mlinfra_ui_session';
export const CSRF_COOKIE = 'mlinfra_ui_csrf';

/** Settings of {@link createAuth} (already validated). */
export interface AuthSettings {
  tokens: ReadonlyArray<string | UiToken>;
  authorize: UiAuthorize | undefined;
  secret: string;
  sessionTtlMs: number;
  cookiePath: string;
}

/** Cookies of a request, by name (the first of duplicates). */
export function readCookies(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of String(request.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(index + 1).trim());
  }
  return cookies;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time equality of two strings (both hashed first, so lengths do not leak). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Who may make changes, sessions, and CSRF tokens. */
export interface Auth {
  /** The actor of a request that proved a token (header or session cookie), else undefined. */
  actorOf(request: IncomingMessage): string | undefined;
  /** True when the UI has tokens, so the login page makes sense. */
  readonly usesTokens: boolean;
  /** The actor a token belongs to, or undefined. Compares every token in constant time. */
  actorOfToken(token: string): string | undefined;
  /** A `Set-Cookie` value that logs `actor` in. */
  sessionCookie(actor: string, request: IncomingMessage): string;
  /** A `Set-Cookie` value that logs out. */
  clearSessionCookie(request: IncomingMessage): string;
  /** The request's CSRF token, and a `Set-Cookie` to send when the request had none. */
  csrf(request: IncomingMessage): { token: string; setCookie?: string };
  /**
   * Checks a form post: a request carrying `Authorization: Bearer` is not ambient (browsers never
   * add it on their own), every other one must echo the CSRF cookie in the `csrf` field and,
   * when the browser says where it came from, come from this origin.
   * @throws HttpError 403.
   */
  checkCsrf(request: IncomingMessage, form: URLSearchParams): void;
  /** The actor allowed to make `action`. @throws HttpError 401 (no credentials) or 403 (refused). */
  authorize(request: IncomingMessage, action: UiAction): Promise<string>;
}

function sign(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

function bearerOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Whether the browser reached us over HTTPS (directly, or through a proxy that says so). */
function overHttps(request: IncomingMessage): boolean {
  return (
    (request.socket as { encrypted?: boolean }).encrypted === true ||
    request.headers['x-forwarded-proto'] === 'https'
  );
}

function cookie(
  request: IncomingMessage,
  name: string,
  value: string,
  path: string,
  maxAgeSeconds?: number,
): string {
  const parts = [`${name}=${value}`, `Path=${path}`, 'HttpOnly', 'SameSite=Strict'];
  // Over HTTPS the cookies are never sent back over plain HTTP.
  if (overHttps(request)) parts.push('Secure');
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  return parts.join('; ');
}

/** Builds the auth of one UI. */
export function createAuth(settings: AuthSettings): Auth {
  const tokens = settings.tokens.map((entry) =>
    typeof entry === 'string'
      ? { digest: digest(entry), actor: 'ui' }
      : { digest: digest(entry.token), actor: entry.actor },
  );
  const actorOfToken = (token: string): string | undefined => {
    const candidate = digest(token);
    let actor: string | undefined;
    // Every token is compared, even after a match, so timing says nothing about which matched.
    for (const entry of tokens) {
      if (timingSafeEqual(entry.digest, candidate) && actor === undefined) actor = entry.actor;
    }
    return actor;
  };
  const sessionActor = (request: IncomingMessage): string | undefined => {
    const value = readCookies(request).get(SESSION_COOKIE);
    if (value === undefined) return undefined;
    const [payload, signature] = value.split('.');
    if (payload === undefined || signature === undefined) return undefined;
    if (!sameSecret(sign(settings.secret, `session:${payload}`), signature)) return undefined;
    try {
      const session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        actor?: unknown;
        expires?: unknown;
      };
      if (typeof session.actor !== 'string' || typeof session.expires !== 'number')
        return undefined;
      return session.expires > Date.now() ? session.actor : undefined;
    } catch {
      return undefined;
    }
  };
  const actorOf = (request: IncomingMessage): string | undefined => {
    const bearer = bearerOf(request);
    if (bearer !== undefined) return actorOfToken(bearer);
    return sessionActor(request);
  };
  const csrfValid = (value: string | undefined): value is string => {
    if (value === undefined) return false;
    const [nonce, signature] = value.split('.');
    return (
      nonce !== undefined &&
      signature !== undefined &&
      /^[A-Za-z0-9_-]{16,64}$/.test(nonce) &&
      sameSecret(sign(settings.secret, `csrf:${nonce}`), signature)
    );
  };
  return {
    actorOf,
    actorOfToken,
    usesTokens: tokens.length > 0,
    sessionCookie(actor, request) {
      const payload = Buffer.from(
        JSON.stringify({ actor, expires: Date.now() + settings.sessionTtlMs }),
      ).toString('base64url');
      return cookie(
        request,
        SESSION_COOKIE,
        `${payload}.${sign(settings.secret, `session:${payload}`)}`,
        settings.cookiePath,
        Math.floor(settings.sessionTtlMs / 1000),
      );
    },
    clearSessionCookie(request) {
      return cookie(request, SESSION_COOKIE, '', settings.cookiePath, 0);
    },
    csrf(request) {
      const existing = readCookies(request).get(CSRF_COOKIE);
      if (csrfValid(existing)) return { token: existing };
      const nonce = randomBytes(18).toString('base64url');
      const token = `${nonce}.${sign(settings.secret, `csrf:${nonce}`)}`;
      return { token, setCookie: cookie(request, CSRF_COOKIE, token, settings.cookiePath) };
    },
    checkCsrf(request, form) {
      if (bearerOf(request) !== undefined) return;
      const origin = request.headers.origin;
      if (typeof origin === 'string' && origin !== 'null') {
        let host: string | undefined;
        try {
          host = new URL(origin).host;
        } catch {
          host = undefined;
        }
        const expected = request.headers['x-forwarded-host'] ?? request.headers.host;
        if (host === undefined || host !== expected) {
          throw new HttpError(
            403,
            'Forbidden',
            'This form was sent from another site; open the UI and send it from there',
          );
        }
      }
      const cookieToken = readCookies(request).get(CSRF_COOKIE);
      const formToken = form.get('csrf') ?? '';
      if (!csrfValid(cookieToken) || !sameSecret(cookieToken, formToken)) {
        throw new HttpError(
          403,
          'Forbidden',
          'The form is missing its CSRF token or it expired; reload the page and send the form again',
        );
      }
    },
    async authorize(request, action) {
      let actor: string | undefined;
      if (tokens.length > 0) {
        actor = actorOf(request);
        if (actor === undefined) {
          throw new HttpError(
            401,
            'Login required',
            'Log in with a token (the Login link at the top) or send Authorization: Bearer <token>',
          );
        }
      }
      if (settings.authorize !== undefined) {
        const verdict = await settings.authorize(request, action);
        if (verdict === false || verdict === undefined || verdict === '') {
          throw new HttpError(403, 'Forbidden', `You may not ${action.type} on ${action.model}`);
        }
        if (typeof verdict === 'string') actor = verdict;
      }
      return actor ?? 'ui';
    },
  };
}
