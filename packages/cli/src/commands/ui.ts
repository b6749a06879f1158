import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PromotionGate } from '@mlinfra/registry';
import { type Command, numberOption, stringOption } from '../cli/command.js';
import { EXIT_CODES, UsageError } from '../cli/errors.js';
import {
  openHomeDatasets,
  openRegistryAs,
  openStore,
  requireHome,
  withRegistry,
} from '../cli/home.js';
import { emit } from '../cli/output.js';

const ui: Command = {
  path: ['ui'],
  args: [],
  summary: 'Open the web UI (runs, compare, models, datasets, drift, cost) until SIGINT/SIGTERM.',
  details: `Read-only unless --token is given; then the version pages can move aliases, approve or
reject versions and promote through the --gates (after logging in with the token, or with
Authorization: Bearer <token>). --gates also shows each version's gate results per slice.

Examples:
  mlinfra ui --port 3000
  MLINFRA_UI_TOKEN=$(openssl rand -hex 16) mlinfra ui --token "$MLINFRA_UI_TOKEN"`,
  options: {
    port: {
      type: 'string',
      short: 'p',
      value: '<n>',
      description: 'port (default 4000; 0 picks a free one)',
    },
    host: {
      type: 'string',
      value: '<addr>',
      description: 'address to listen on (default 127.0.0.1; 0.0.0.0 for all)',
    },
    gates: {
      type: 'string',
      value: '<file.json>',
      description:
        'promotion gates per model and alias: { "<model>": { "<alias>": [{ "metric", "min"?, "maxRegression"?, "slices"? }] } }',
    },
    'require-approval': {
      type: 'boolean',
      description: 'promotions through the UI need an approved version',
    },
    token: {
      type: 'string',
      multiple: true,
      value: '<secret>',
      description: 'allow changes by whoever logs in with this token, 16+ characters (repeatable)',
    },
  },
  async run(context, _args, options) {
    const port = numberOption(options, 'port', { integer: true, min: 0 }) ?? 4000;
    const host = stringOption(options, 'host') ?? '127.0.0.1';
    const tokens = (options.token as string[] | undefined) ?? [];
    requireHome(context);
    const gatesFile = stringOption(options, 'gates');
    let gates: unknown;
    if (gatesFile !== undefined) {
      try {
        gates = JSON.parse(await readFile(resolve(context.io.cwd, gatesFile), 'utf8'));
      } catch (error) {
        throw new UsageError(
          `--gates ${gatesFile} is not a readable JSON file (${(error as Error).message}); give { "<model>": { "<alias>": [gates] } }`,
        );
      }
    }
    const [{ createUi }, { createServer }] = await Promise.all([
      import('@mlinfra/ui'),
      import('node:http'),
    ]);
    const store = openStore(context);
    const datasets = await openHomeDatasets(context);
    // withRegistry opens the home's registry the way every other command does, and closes it after.
    await withRegistry(context, async (registry) => {
      const app = createUi({
        registry,
        datasets,
        store,
        // The UI records who acted; the registry is reopened per actor with the same settings (a
        // PostgreSQL registry's location is shown redacted, so it cannot be reopened from it).
        openRegistryAs: (actor) => openRegistryAs(context, actor),
        ...(tokens.length === 0 ? {} : { actions: true, auth: { tokens } }),
        ...(gates === undefined
          ? {}
          : { gates: gates as Record<string, Record<string, PromotionGate[]>> }),
        ...(options['require-approval'] === true ? { requireApproval: true } : {}),
      });
      const server = createServer(app.handler);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, resolve);
      });
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address : undefined;
      const url = `http://${bound?.family === 'IPv6' ? `[${bound.address}]` : (bound?.address ?? host)}:${bound?.port ?? port}`;
      emit(context, { url, home: context.home, actions: tokens.length > 0 }, () =>
        [
          `mlinfra UI at ${url} (${tokens.length > 0 ? 'changes allowed after login' : 'read-only'})`,
          'Ctrl-C to stop.',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close(() => resolve());
          server.closeAllConnections();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await app.close();
    });
    return EXIT_CODES.ok;
  },
};

/** `mlinfra ui`. */
export const uiCommands: Command[] = [ui];
