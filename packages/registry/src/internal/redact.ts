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
