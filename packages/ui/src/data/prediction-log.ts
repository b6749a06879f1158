import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Rows of a prediction log window: each record's raw inputs plus `prediction` (its first output). */
export interface PredictionWindow {
  rows: Array<Record<string, unknown>>;
  /** Records in the window that were skipped: shadow records, or inputs that are not an object. */
  skipped: number;
  /** True when the window held more than `maxRows` records and only the first were kept. */
  truncated: boolean;
}

async function files(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((name) => /\.jsonl(\.\d+)?$/.test(name)).sort();
  return names.map((name) => join(path, name));
}

/**
 * Reads the records of a `@mlinfra/serving` JSONL prediction log (a file, or the folder of a
 * rotating log) whose `time` is in `[from, to)`, optionally of one model, line by line.
 */
export async function readPredictionWindow(
  path: string,
  window: { from?: number; to?: number; model?: string },
  maxRows: number,
): Promise<PredictionWindow> {
  const out: PredictionWindow = { rows: [], skipped: 0, truncated: false };
  for (const file of await files(path)) {
    const lines = createInterface({
      input: createReadStream(file, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let record: {
        time?: unknown;
        model?: unknown;
        inputs?: unknown;
        outputs?: unknown;
        shadow?: unknown;
      };
      try {
        record = JSON.parse(line) as typeof record;
      } catch {
        out.skipped++;
        continue;
      }
      const time = typeof record.time === 'string' ? Date.parse(record.time) : Number.NaN;
      if (window.from !== undefined && !(time >= window.from)) continue;
      if (window.to !== undefined && !(time < window.to)) continue;
      if (window.model !== undefined && record.model !== window.model) continue;
      const inputs = record.inputs;
      if (
        record.shadow === true ||
        typeof inputs !== 'object' ||
        inputs === null ||
        Array.isArray(inputs)
      ) {
        out.skipped++;
        continue;
      }
      if (out.rows.length >= maxRows) {
        out.truncated = true;
        lines.close();
        return out;
      }
      const outputs = Array.isArray(record.outputs) ? record.outputs : [];
      out.rows.push({ ...(inputs as Record<string, unknown>), prediction: outputs[0] ?? null });
    }
  }
  return out;
}
