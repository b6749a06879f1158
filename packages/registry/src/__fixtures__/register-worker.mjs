// Child process for concurrency tests: registers `count` versions of `model` in the registry at
// `url` (count 0 = until killed), printing one line per registration. With payloadBytes > 0 each
// version stores fresh bytes (time goes to the store); with 0 every version reuses one stored
// blob and carries 100 tags (time goes to the SQLite transaction, where a kill then lands).
import { openRegistry } from '../../dist/index.js';

const [url, model, countText, payloadText = '16', store] = process.argv.slice(2);
const count = Number(countText);
const payloadBytes = Number(payloadText);
const registry = await openRegistry({
  url,
  actor: `worker-${process.pid}`,
  ...(store ? { store } : {}),
});
const shared =
  payloadBytes === 0 ? (await registry.store.put(`shared ${model}`)).digest : undefined;
const manyTags = Object.fromEntries(
  Array.from({ length: 100 }, (_, index) => [`tag${index}`, 'x'.repeat(50)]),
);
const payload = new Uint8Array(Math.max(payloadBytes, 3));
process.stdout.write('ready\n');
for (let index = 0; count === 0 || index < count; index++) {
  payload[0] = index & 255;
  payload[1] = (process.pid + index) & 255;
  payload[2] = (index >> 8) & 255;
  const version = await registry.registerModel(model, {
    artifact: shared ?? payload,
    metrics: { index },
    tags: shared === undefined ? { worker: String(process.pid) } : manyTags,
  });
  process.stdout.write(`registered ${version.version}\n`);
}
await registry.close();
