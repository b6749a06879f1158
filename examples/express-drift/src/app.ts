import { createMonitor, type DatasetProfile, type MonitorOptions, profile } from '@mlinfra/drift';
import express, { type Express } from 'express';
import { DriftState, driftMonitor, driftRoutes } from './drift-middleware.js';

/** The features the existing API takes, with their types (numbers: KS tests; categories: chi-square). */
export const FEATURE_SCHEMA: NonNullable<MonitorOptions['schema']> = {
  columns: [
    { name: 'precipitation', type: 'float64' },
    { name: 'temp_max', type: 'float64' },
    { name: 'temp_min', type: 'float64' },
    { name: 'wind', type: 'float64' },
  ],
};

/** Options of {@link createApp}. */
export interface AppOptions {
  /** What the model was trained on: rows of the feature columns, or their drift profile. */
  reference: ReadonlyArray<Record<string, unknown>> | DatasetProfile;
  /** Requests per drift window. Default 100. */
  windowSize?: number;
}

/**
 * The "existing" Express app: a small forecast API (`POST /api/forecast`) that a team already
 * runs. The three lines marked DRIFT are all it takes to monitor its inputs.
 */
export function createApp(options: AppOptions): { app: Express; state: DriftState } {
  const reference = Array.isArray(options.reference)
    ? profile(options.reference as Array<Record<string, unknown>>, { schema: FEATURE_SCHEMA })
    : (options.reference as DatasetProfile);
  const state = new DriftState();
  const monitor = createMonitor({
    reference,
    schema: FEATURE_SCHEMA,
    window: { size: options.windowSize ?? 100 },
    // KS on every numeric feature (from the window's sketch): a p-value, like the offline report.
    drift: { numericTest: 'ks' },
    onReport: state.onReport,
  });

  const app = express();
  app.use(express.json({ limit: '100kb' }));
  // DRIFT 1/2: observe the inputs of every answered forecast request.
  app.use(
    '/api/forecast',
    driftMonitor(monitor, {
      select: (request) => request.body as Record<string, unknown>,
    }),
  );
  // DRIFT 2/2: the drift endpoints.
  app.use('/drift', driftRoutes(monitor, state));

  // The existing business route: validates its input and answers from a simple rule.
  app.post('/api/forecast', (request, response) => {
    const body = request.body as Record<string, unknown> | undefined;
    const missing = FEATURE_SCHEMA.columns
      .map((column) => column.name)
      .filter((name) => typeof body?.[name] !== 'number' || !Number.isFinite(body[name]));
    if (missing.length > 0) {
      response.status(400).json({ error: `Give numbers for ${missing.join(', ')}` });
      return;
    }
    const { precipitation, temp_max: tempMax } = body as {
      precipitation: number;
      temp_max: number;
    };
    const umbrella = precipitation > 0.5;
    response.json({
      umbrella,
      advice: umbrella ? 'Take an umbrella' : tempMax > 25 ? 'Sunscreen' : 'A jacket will do',
    });
  });
  return { app, state };
}
