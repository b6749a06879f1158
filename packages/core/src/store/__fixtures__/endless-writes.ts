// Child process: a large streamed put and a stream of ref updates, until it is killed.
import { createStore } from '../../index.js';

const [root] = process.argv.slice(2);
const store = createStore(root!);
const chunk = new Uint8Array(1 << 20).fill(7);

async function* forever() {
  for (let index = 0; ; index++) {
    if (index === 16) process.stdout.write('writing\n');
    chunk[0] = index & 255;
    yield chunk;
  }
}

void (async () => {
  for (let index = 0; ; index++) {
    await store.refs.set('flip', `value-${index}-${'x'.repeat(index % 1000)}`);
  }
})();
await store.put(forever());
