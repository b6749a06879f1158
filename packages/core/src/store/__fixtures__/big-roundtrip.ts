// Child process: puts `sizeBytes` of generated data as a stream, reads it back as a stream, and
// reports the peak RSS, so the parent can check that memory stays bounded.
import { createHash } from 'node:crypto';
import { createStore } from '../store.js';

const [root, sizeText] = process.argv.slice(2);
const store = createStore(root!);
const size = Number(sizeText);
const chunk = new Uint8Array(1 << 20);
for (let index = 0; index < chunk.length; index++) chunk[index] = (index * 2654435761) >>> 24;

const expected = createHash('sha256');
async function* generate() {
  for (let written = 0; written < size; written += chunk.length) {
    chunk[0] = (written >>> 20) & 255;
    expected.update(chunk);
    yield chunk;
  }
}
const { digest, size: stored } = await store.put(generate());
const actual = createHash('sha256');
for await (const part of await store.get(digest)) actual.update(part as Uint8Array);
process.stdout.write(
  JSON.stringify({
    stored,
    matches:
      `sha256:${expected.digest('hex')}` === digest && `sha256:${actual.digest('hex')}` === digest,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
