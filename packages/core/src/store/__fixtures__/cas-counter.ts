// Child process: `increments` read-modify-write loops on one counter ref, using compare-and-set.
import { ConflictError } from '../../errors/index.js';
import { createStore } from '../store.js';

const [root, incrementsText] = process.argv.slice(2);
const store = createStore(root!);
let conflicts = 0;
for (let done = 0; done < Number(incrementsText); ) {
  const current = await store.refs.get('counter');
  try {
    await store.refs.set('counter', String(Number(current ?? '0') + 1), {
      expected: current ?? null,
    });
    done++;
  } catch (error) {
    if (!ConflictError.isInstance(error)) throw error;
    conflicts++;
  }
}
process.stdout.write(JSON.stringify({ conflicts }));
