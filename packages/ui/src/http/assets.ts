import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A static file served from memory under a content-hashed name. */
export interface Asset {
  /** `/assets/<name>.<hash>.<ext>`, relative to the mount path. */
  path: string;
  body: Buffer;
  contentType: string;
}

const FILES = ['app.js', 'style.css', 'uPlot.iife.min.js', 'uPlot.min.css'] as const;

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Finds a shipped asset: `dist/assets/` in the published package (the build copies uPlot's files
 * there), `src/assets/` and the `uplot` package when running from source.
 */
function locate(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const folder of [join(here, 'assets'), join(here, '..', 'assets')]) {
    const path = join(folder, name);
    if (existsSync(path)) return path;
  }
  if (name.startsWith('uPlot')) {
    return createRequire(import.meta.url).resolve(`uplot/dist/${name}`);
  }
  throw new Error(`@mlinfra/ui is missing its asset ${name}; reinstall the package`);
}

let loaded: Map<string, Asset> | undefined;

/** The assets by file name (read once per process). */
export function assets(): Map<string, Asset> {
  if (loaded !== undefined) return loaded;
  const table = new Map<string, Asset>();
  for (const name of FILES) {
    const body = readFileSync(locate(name));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const dot = name.lastIndexOf('.');
    const extension = name.slice(dot + 1);
    table.set(name, {
      path: `/assets/${name.slice(0, dot)}.${hash}.${extension}`,
      body,
      contentType: TYPES[extension] ?? 'application/octet-stream',
    });
  }
  loaded = table;
  return table;
}

/** Headers of an asset: its name changes with its content, so it may be cached for a year. */
export const ASSET_HEADERS = {
  'cache-control': 'public, max-age=31536000, immutable',
  'x-content-type-options': 'nosniff',
} as const;
