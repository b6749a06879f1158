import { ConflictError } from '@mlinfra/core';
import type { RunLogger } from '@mlinfra/core/contracts';

/** Prefix of the name a trainer param is recorded under when the run holds another value. */
export const CONFLICT_PREFIX = 'trainer.';

/**
 * Logs the training configuration as the run's params. A run already holding some of these names
 * with other values (the caller logged its own when it started the run, say `optimizer: 'adam'`)
 * keeps them: the values training really used are recorded as `trainer.<name>` instead, and a
 * process warning (code `MLINFRA_PARAM_CONFLICT`) names them. Any other logger failure fails
 * training, as it does for every logger call.
 * @returns the names recorded under the prefix.
 */
export async function logTrainingParams(
  logger: RunLogger,
  params: Record<string, string | number | boolean>,
): Promise<string[]> {
  try {
    await logger.logParams(params);
    return [];
  } catch (error) {
    if (!ConflictError.isInstance(error)) throw error;
  }
  // Params are immutable and a conflicting call writes nothing: log them one by one.
  const moved: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    try {
      await logger.logParams({ [name]: value });
    } catch (error) {
      if (!ConflictError.isInstance(error)) throw error;
      await logger.logParams({ [`${CONFLICT_PREFIX}${name}`]: value });
      moved.push(name);
    }
  }
  process.emitWarning(
    `The run already holds params ${moved.join(', ')} with other values than training used; kept them, and recorded training's values as ${moved.map((name) => CONFLICT_PREFIX + name).join(', ')}.`,
    { code: 'MLINFRA_PARAM_CONFLICT' },
  );
  return moved;
}
