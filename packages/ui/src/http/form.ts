import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

const MAX_FORM_BYTES = 64 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body (what HTML forms post). A body already
 * parsed by Express or Fastify (`req.body` object) is used as it is.
 * @throws HttpError 400/413/415 for anything else.
 */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const parsed = (request as IncomingMessage & { body?: unknown }).body;
  if (typeof parsed === 'object' && parsed !== null && !Buffer.isBuffer(parsed)) {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof value === 'string') form.append(key, value);
    }
    return form;
  }
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpError(
      415,
      'Unsupported form',
      'Send the form as application/x-www-form-urlencoded, as the pages of this UI do',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) {
      throw new HttpError(413, 'Form too large', `A form may hold at most ${MAX_FORM_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
