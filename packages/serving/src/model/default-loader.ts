import { createStore, MissingDependencyError, type Store, ValidationError } from '@mlinfra/core';
import type { ResolvedModel } from './model-source.js';
import { isPredictor, type Predictor } from './predictor.js';

interface TrainerModule {
  loadModelArtifact(store: Store, id: string, options?: { backend?: string }): Promise<unknown>;
}

async function importTrainer(specifier: string): Promise<TrainerModule> {
  try {
    return (await import(specifier)) as TrainerModule;
  } catch (error) {
    throw new MissingDependencyError(
      'Cannot import "@mlinfra/trainer". Install it (npm install @mlinfra/trainer) to serve model artifacts, or pass a "loader" or a "predictor".',
      { cause: error },
    );
  }
}

/**
 * The default artifact loader: loads a `@mlinfra/trainer` model artifact from the store by
 * its digest and adapts it to a {@link Predictor}.
 */
export function trainerLoader(
  storeOption: Store | string | undefined,
  specifier = '@mlinfra/trainer',
): (resolved: ResolvedModel) => Promise<Predictor> {
  let store: Store | undefined;
  return async (resolved) => {
    const trainer = await importTrainer(specifier);
    if (typeof trainer.loadModelArtifact !== 'function') {
      throw new MissingDependencyError(
        'The installed "@mlinfra/trainer" has no loadModelArtifact; upgrade it (npm install @mlinfra/trainer@latest).',
      );
    }
    store ??= typeof storeOption === 'object' ? storeOption : createStore(storeOption);
    const loaded = await trainer.loadModelArtifact(store, resolved.artifact);
    if (isPredictor(loaded)) return loaded;
    throw new ValidationError(
      `The artifact of model "${resolved.name}" version ${resolved.version} (${resolved.artifact}) did not load as a predictor; check that it is an mlinfra-model@1 artifact.`,
    );
  };
}
