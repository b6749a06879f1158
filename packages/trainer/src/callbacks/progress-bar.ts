import { parseOptions } from '@mlinfra/core';
import { z } from 'zod';
import type { TrainingCallback } from './types.js';

const optionsShape = {
  /** Total epochs (for the `epoch 2/10` label). */
  epochs: z.number().int().positive(),
  /** Rows per epoch when known (in-memory data), for the bar; streams show a step count only. */
  rows: z.number().int().nonnegative().optional(),
  /** Rows per step. Default 32. */
  batchSize: z.number().int().positive().optional(),
  /** Where to draw. Default `process.stderr`. Nothing is drawn unless it is a TTY. */
  stream: z
    .custom<NodeJS.WriteStream>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { write?: unknown }).write === 'function',
      'a writable stream such as process.stderr',
    )
    .optional(),
  /** Least milliseconds between redraws. Default 100. */
  intervalMs: z.number().nonnegative().optional(),
};

const schema: z.ZodObject<typeof optionsShape, z.core.$strict> = z.strictObject(optionsShape);

/** Options of {@link progressBar}. */
export type ProgressBarOptions = z.input<typeof schema>;

/**
 * A one-line progress bar (epoch, bar, step, loss, rows/s) redrawn in place on a TTY; quiet
 * otherwise, so logs in CI stay clean. `train` adds one when stderr is a TTY unless `progress: false`.
 */
export function progressBar(input: ProgressBarOptions): TrainingCallback {
  const options = parseOptions(schema, input, 'progressBar options');
  const stream = options.stream ?? process.stderr;
  const active = stream.isTTY === true;
  const interval = options.intervalMs ?? 100;
  const stepsPerEpoch =
    options.rows === undefined ? undefined : Math.ceil(options.rows / (options.batchSize ?? 32));
  let stepInEpoch = 0;
  let rows = 0;
  let started = 0;
  let drawn = 0;
  let epoch = 0;
  const draw = (loss: number, force: boolean) => {
    const now = performance.now();
    if (!active || (!force && now - drawn < interval)) return;
    drawn = now;
    const rate = rows / Math.max(1e-9, (now - started) / 1000);
    let bar = '';
    if (stepsPerEpoch !== undefined) {
      const width = 24;
      const filled = Math.min(width, Math.round((stepInEpoch / stepsPerEpoch) * width));
      bar = ` [${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}] ${stepInEpoch}/${stepsPerEpoch}`;
    } else {
      bar = ` step ${stepInEpoch}`;
    }
    stream.write(
      `\r\u001b[2Kepoch ${epoch + 1}/${options.epochs}${bar} loss ${loss.toFixed(4)} ${Math.round(rate)} rows/s`,
    );
  };
  return {
    name: 'progressBar',
    onEpochBegin(current) {
      epoch = current;
      stepInEpoch = 0;
      rows = 0;
      started = performance.now();
    },
    onBatchEnd(_step, logs) {
      stepInEpoch++;
      rows += logs.rows;
      draw(logs.loss, false);
    },
    onEpochEnd(_epoch, logs) {
      draw(logs.loss ?? Number.NaN, true);
      if (active) {
        const extra = Object.entries(logs)
          .filter(([key]) => key.startsWith('val_'))
          .map(([key, value]) => ` ${key} ${value.toFixed(4)}`)
          .join('');
        stream.write(`${extra}\n`);
      }
    },
  };
}
