import type { IncomingMessage } from 'node:http';
import type { Store } from '@mlinfra/core';
import type { Datasets } from '@mlinfra/datasets';
import type { PromotionGate, Registry } from '@mlinfra/registry';
import { z } from 'zod';

/** A change the UI can make, passed to {@link UiAuthOptions.authorize}. */
export type UiAction =
  | { type: 'alias.set'; model: string; alias: string; version: number }
  | { type: 'version.approval'; model: string; version: number; status: 'approved' | 'rejected' }
  | { type: 'version.promote'; model: string; version: number; alias: string };

/**
 * Decides whether a request may make a change. Return `false` (or nothing) to refuse, `true` to
 * allow (the change is recorded under the actor `"ui"`), or a string: allowed, recorded under
 * that actor name.
 */
export type UiAuthorize = (
  request: IncomingMessage,
  action: UiAction,
) => boolean | string | undefined | Promise<boolean | string | undefined>;

/** A bearer token and the actor name changes made with it are recorded under. */
export interface UiToken {
  /** The secret (at least 16 characters). */
  token: string;
  /** Who this token is, in the audit log. */
  actor: string;
}

const tokenSchema = z.union([
  z.string().min(16, 'tokens must be at least 16 characters'),
  z.strictObject({
    token: z.string().min(16, 'tokens must be at least 16 characters'),
    actor: z.string().min(1).max(200),
  }),
]);

const authSchema = z.strictObject({
  /**
   * Bearer tokens that may make changes: sent as `Authorization: Bearer <token>` by scripts, or
   * typed once into the `/login` page, which sets a signed session cookie. A plain string is
   * recorded as the actor `"ui"`.
   */
  tokens: z.array(tokenSchema).optional(),
  /** Your own check, called for every change (after a token matched, when tokens are given). */
  authorize: z
    .custom<UiAuthorize>((value) => typeof value === 'function', 'must be a function')
    .optional(),
  /** Key that signs session and CSRF cookies. Default: random per `createUi` call (sessions end on restart). */
  secret: z.string().min(16).optional(),
  /** How long a login lasts, in milliseconds. Default 43,200,000 (12 hours). */
  sessionTtlMs: z.number().int().positive().optional(),
});

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** A promotion gate, checked here so a typo fails at start rather than on every version page. */
const gateSchema: z.ZodType<PromotionGate> = z.strictObject({
  metric: z.string().min(1),
  higherIsBetter: z.boolean().optional(),
  min: finite.optional(),
  max: finite.optional(),
  maxRegression: finite.refine((value) => value >= 0, 'must be >= 0').optional(),
  slices: z.union([z.literal('overall'), z.literal('all'), z.array(z.string().min(1))]).optional(),
}) as z.ZodType<PromotionGate>;

/** Zod schema of {@link UiOptions}. */
export const uiOptionsSchema = z.strictObject({
  /** The registry whose runs and models are shown (from `openRegistry()`). Required. */
  registry: z.custom<Registry>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Registry).searchRuns === 'function',
    'must be a registry from openRegistry()',
  ),
  /** Versioned datasets to show (from `openDatasets()`). Default: no dataset pages. */
  datasets: z
    .custom<Datasets>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as Datasets).log === 'function',
      'must be a Datasets from openDatasets()',
    )
    .optional(),
  /** Core store holding budgets (`cost/budgets/*`). Default: the registry's store. */
  store: z
    .custom<Store>(
      (value) =>
        typeof value === 'object' && value !== null && typeof (value as Store).refs === 'object',
      'must be a core Store from createStore()',
    )
    .optional(),
  /**
   * Path the UI is mounted under, such as `/ui`. Default `''`; under Express `app.use('/ui', ui)`
   * it is read from `req.baseUrl`.
   */
  basePath: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'must be empty or like /ui (no trailing slash)')
    .optional(),
  /** Title in the header. Default `"mlinfra"`. */
  title: z.string().min(1).max(100).optional(),
  /** Allow changes (aliases, approvals, promotions). Needs `auth`. Default false: read-only. */
  actions: z.boolean().optional(),
  /** Who may make changes. Required when `actions` is true. */
  auth: authSchema.optional(),
  /**
   * Promotion gates per model and alias, such as `{ churn: { champion: [{ metric: 'auc', min: 0.8 }] } }`:
   * the model pages show each version's gate results per slice (a dry run), and promotions use them.
   * Default none.
   */
  gates: z.record(z.string(), z.record(z.string(), z.array(gateSchema))).optional(),
  /**
   * `@mlinfra/serving` JSONL prediction logs by name (a file, or the folder of a rotating log), such
   * as `{ churn: './predictions.jsonl' }`: the drift page compares a time window of one against a
   * dataset version. Paths come from you, never from a request. Default none.
   */
  predictionLogs: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), z.string().min(1)).optional(),
  /**
   * Opens a registry handle that records `actor` in the audit log, for changes made through the UI.
   * Default: `openRegistry({ url: registry.location, store: registry.store, actor })` (the same
   * database), cached per actor and closed by `ui.close()`. Give your own for a registry whose
   * `location` cannot be reopened (such as one on a custom driver).
   */
  openRegistryAs: z
    .custom<(actor: string) => Promise<Registry>>(
      (value) => typeof value === 'function',
      'must be a function',
    )
    .optional(),
  /** Promotions through the UI require an approved version. Default false. */
  requireApproval: z.boolean().optional(),
  /** Runs per page of the runs table, 1 to 1000. Default 50. */
  pageSize: z.number().int().min(1).max(1000).optional(),
  /** Most points per series the chart data endpoint returns, 100 to 20,000. Default 4000. */
  maxChartPoints: z.number().int().min(100).max(20_000).optional(),
  /** How often a running run's page asks for new points, in milliseconds. Default 2000. */
  pollIntervalMs: z.number().int().min(100).optional(),
  /** Called with unexpected errors (answered with a plain 500 page). Default `console.error`. */
  onError: z.custom<(error: unknown) => void>((value) => typeof value === 'function').optional(),
});

/** Options of {@link createUi}. */
export type UiOptions = z.input<typeof uiOptionsSchema>;

/** Options of {@link createUi}'s `auth`. */
export type UiAuthOptions = z.input<typeof authSchema>;
