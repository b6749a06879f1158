import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks `Authorization: Bearer <token>` against the allowed tokens in constant time: both sides
 * are hashed first, so neither the length nor the content of a token leaks through timing, and
 * every token is compared even after a match.
 */
export function createTokenCheck(
  tokens: readonly string[],
): (header: string | undefined) => boolean {
  const digests = tokens.map((token) => createHash('sha256').update(token).digest());
  return (header) => {
    const match = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const candidate = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest();
    let ok = false;
    for (const digest of digests) ok = timingSafeEqual(digest, candidate) || ok;
    return ok && match !== null && match !== undefined;
  };
}
