/**
 * A connection URL with its password replaced by `***` (`postgres://user:***@host/db`), for
 * messages and logs. Also hides a `password=` query parameter. Text that is not a URL comes back
 * unchanged.
 *
 * Local to the registry until `@mlinfra/core` exports the same helper.
 */
export function redactUrl(url: string): string {
  let text = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@');
  text = text.replace(/([?&]password=)[^&#]*/gi, '$1***');
  return text;
}

/** The password in a connection URL (decoded), or undefined. */
export function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password.length > 0 ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** `text` with every occurrence of `secret` replaced by `***`. */
export function scrub(text: string, secret: string | undefined): string {
  return secret === undefined || secret.length === 0 ? text : text.split(secret).join('***');
}
