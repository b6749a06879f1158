// Pins and puts a blob, then exits without releasing the pin (as a process still writing would).
import { createStore } from '../store.js';

const store = createStore(process.argv[2]!);
const pin = await store.pin();
const { digest } = await store.put('pinned by a child', { pin });
process.stdout.write(`${digest}\n`);
