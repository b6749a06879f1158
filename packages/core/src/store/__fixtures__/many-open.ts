// Child process (run with a low open-files limit): many puts and reads at once; prints the
// distinct outcomes (ok, or the StorageError's systemCode).
import { StorageError } from '../../errors/index.js';
import { createStore } from '../store.js';

const store = createStore(process.argv[2]!);
const { digest } = await store.put('shared');
const outcomes = new Set<string>();
await Promise.all(
  Array.from({ length: 1200 }, async (_, index) => {
    try {
      await (index % 2 === 0 ? store.put(`blob ${index}`) : store.read(digest));
      outcomes.add('ok');
    } catch (error) {
      outcomes.add(StorageError.isInstance(error) ? error.systemCode : `other: ${String(error)}`);
    }
  }),
);
process.stdout.write(JSON.stringify([...outcomes].sort()));
