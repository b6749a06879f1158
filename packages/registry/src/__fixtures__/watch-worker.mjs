// Child process for watch tests: registers one version of `model`, points `alias` at it, exits.
import { openRegistry } from '../../dist/index.js';

const [url, model, alias, store] = process.argv.slice(2);
const registry = await openRegistry({ url, actor: 'other-process', ...(store ? { store } : {}) });
const version = await registry.registerModel(model, {
  artifact: new TextEncoder().encode(`from ${process.pid}`),
});
await registry.setAlias(model, alias, version.version);
await registry.close();
