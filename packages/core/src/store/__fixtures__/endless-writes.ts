// Child process: a large streamed put and a stream of ref updates, until it is killed.
import { createStore } from '../store.js';

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

const flip = (index: number) =>
  store.refs.set('flip', `value-${index}-${'x'.repeat(index % 1000)}`);
// The ref exists before the parent is told to kill, so "old or new" never means "absent".
await flip(0);
void (async () => {
  for (let index = 1; ; index++) await flip(index);
})();
await store.put(forever());
