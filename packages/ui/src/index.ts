/**
 * `@mlinfra/ui`: the web UI of mlinfra (runs, compare, models, lineage, datasets, drift, cost) as
 * a Node request handler with server-rendered pages and shipped chart assets.
 * @packageDocumentation
 */
export { createUi, type Ui, type UiHandler } from './create-ui.js';
export type { UiAction, UiAuthOptions, UiAuthorize, UiOptions, UiToken } from './options.js';
