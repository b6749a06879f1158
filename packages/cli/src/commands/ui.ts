import { type Command, numberOption, stringOption } from '../cli/command.js';
import { EXIT_CODES } from '../cli/errors.js';
import { openHomeDatasets, openStore, requireHome, withRegistry } from '../cli/home.js';
import { emit } from '../cli/output.js';

const ui: Command = {
  path: ['ui'],
  args: [],
  summary: 'Open the web UI (runs, compare, models, datasets, drift, cost) until SIGINT/SIGTERM.',
  details: `Read-only unless --token is given; then the version pages can move aliases, approve or
reject versions (after logging in with the token, or with Authorization: Bearer <token>).

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
        ...(tokens.length === 0 ? {} : { actions: true, auth: { tokens } }),
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
