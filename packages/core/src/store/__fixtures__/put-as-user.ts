// Child process (run as another OS user): tries a put and a ref write in a store it cannot write,
// and a read of a blob it can read; prints what each gave.
import { StorageError } from '../../errors/index.js';
import { createStore } from '../store.js';

const [root, digest] = process.argv.slice(2);
const store = createStore(root!);
const outcome = async (action: () => Promise<unknown>) => {
  try {
    await action();
    return 'ok';
  } catch (error) {
    return StorageError.isInstance(error)
      ? { systemCode: error.systemCode, path: error.path, message: error.message }
      : { other: String(error) };
  }
};
process.stdout.write(
  JSON.stringify({
    put: await outcome(() => store.put('from another user')),
    refSet: await outcome(() => store.refs.set('r', 'x')),
    read: await outcome(() => store.read(digest!)),
  }),
);
