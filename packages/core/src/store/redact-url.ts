const SECRET_PARAMETER = /pass|secret|token|signature|credential|^key$|sslkey/i;
const USERINFO_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]*@/gi;

/**
 * Returns a URL fit for messages and logs: the password becomes `***`
 * (`postgres://user:***@host/db`), and so does every query parameter whose name suggests a
 * secret (`password`, `sslpassword`, `token`, `X-Amz-Signature`, `X-Amz-Credential`...). A string
 * that is not a URL has every `scheme://user:password@` inside it redacted the same way. Every
 * mlinfra package shows connection strings only through this function.
 *
 * @example
 * ```ts
 * redactUrl('postgres://app:s3cret@db.internal:5432/mlinfra?sslmode=require');
 * // 'postgres://app:***@db.internal:5432/mlinfra?sslmode=require'
 * ```
 */
export function redactUrl(url: string | URL): string {
  const text = String(url);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return text.replace(USERINFO_PASSWORD, '$1***@');
  }
  const secretParameters = [...parsed.searchParams.keys()].filter((name) =>
    SECRET_PARAMETER.test(name),
  );
  // Nothing to hide: give the URL back exactly as written.
  if (parsed.password === '' && secretParameters.length === 0) return text;
  if (parsed.password !== '') parsed.password = '***';
  for (const name of secretParameters) parsed.searchParams.set(name, '***');
  // URL turns `***` into `%2A%2A%2A` in the query; keep it readable.
  return parsed.toString().replaceAll('%2A%2A%2A', '***');
}

/** Replaces every occurrence of each secret in `text` with `***` (for messages from drivers). */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 3) result = result.replaceAll(secret, '***');
  }
  return result;
}
