import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { type DatasetProfile, profile } from '@mlinfra/drift';
import { openRegistry } from '@mlinfra/registry';
import { trainWeatherModel } from './train-model.js';
import { type Day, features } from './weather.js';

/** What {@link seedPlatform} made. */
export interface SeededPlatform {
  /** Profile of the training features, the drift reference. */
  reference: DatasetProfile;
  /** Test metrics of version 1 (1 epoch) and version 2 (more epochs). */
  metrics: Record<number, Record<string, number>>;
}

/**
 * Puts a model in a fresh home as a team's training pipeline would: two versions of `weather`
 * trained on 2012-2014 (a quick one and a longer one), version 1 as `@champion`.
 */
export async function seedPlatform(
  home: string,
  days: readonly Day[],
  options: { epochs?: number } = {},
): Promise<SeededPlatform> {
  const store = createStore(home);
  const training = days.filter((day) => day.date < '2015-01-01');
  const registry = await openRegistry({ url: join(home, 'registry.db'), store });
  const metrics: Record<number, Record<string, number>> = {};
  try {
    for (const [index, epochs] of [1, options.epochs ?? 12].entries()) {
      const trained = await trainWeatherModel(store, training, { epochs, seed: 7 });
      const version = await registry.registerModel('weather', {
        artifact: trained.artifact,
        metrics: trained.metrics,
        description: `MLP 16, ${epochs} epoch(s)`,
      });
      metrics[version.version] = trained.metrics;
      if (index === 0) await registry.setAlias('weather', 'champion', version.version);
    }
  } finally {
    await registry.close();
  }
  return { reference: profile(training.map(features)), metrics };
}
