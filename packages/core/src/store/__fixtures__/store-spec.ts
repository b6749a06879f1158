// Child processes receive the store to open as one argument: a folder, or JSON store options.
import { createStore, type Store } from '../store.js';

export function openStore(spec: string): Store {
  return createStore(spec.startsWith('{') ? JSON.parse(spec) : spec);
}
