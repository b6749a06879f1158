import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** One HTTP answer: status, headers, the raw text and its JSON (undefined when it is not JSON). */
export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
  /** The `error` field of a JSON error body, or the raw text. */
  error: string;
}

/** Sends one request to 127.0.0.1:`port` (a JSON content type unless told) and reads the whole answer. */
export function httpCall(
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const field = (json as { error?: unknown } | undefined)?.error;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json,
            error: typeof field === 'string' ? field : text,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
