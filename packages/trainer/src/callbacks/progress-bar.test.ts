import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { train } from '../train/train.js';
import { progressBar } from './progress-bar.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { written: string[] } {
  const written: string[] = [];
  return {
    isTTY,
    written,
    write: (chunk: string) => written.push(chunk) > 0,
  } as unknown as NodeJS.WriteStream & { written: string[] };
}

describe('progressBar', () => {
  const run = async (stream: NodeJS.WriteStream) => {
    const model = () => {
      const m = tf.sequential();
      m.add(tf.layers.dense({ units: 1, inputShape: [2] }));
      return m;
    };
    await train({
      model,
      data: {
        train: {
          x: [
            [1, 2],
            [3, 4],
            [5, 6],
            [7, 8],
          ],
          y: [1, 2, 3, 4],
        },
        validation: { x: [[1, 1]], y: [1] },
      },
      epochs: 2,
      batchSize: 2,
      loss: 'meanSquaredError',
      backend: 'cpu',
      progress: false,
      callbacks: [progressBar({ epochs: 2, rows: 4, batchSize: 2, stream, intervalMs: 0 })],
    });
  };

  it('draws epoch, bar, loss and rate on a TTY and ends each epoch with the validation metrics', async () => {
    const stream = fakeStream(true);
    await run(stream);
    const text = stream.written.join('');
    expect(text).toMatch(/epoch 1\/2 \[=+>? *\] 1\/2 loss \d+\.\d{4} \d+ rows\/s/);
    expect(text).toMatch(/epoch 2\/2 \[=+\] 2\/2 loss/);
    expect(text).toMatch(/ val_loss \d+\.\d{4}\n/);
  });

  it('stays quiet when the stream is not a TTY', async () => {
    const stream = fakeStream(false);
    await run(stream);
    expect(stream.written).toEqual([]);
  });
});
