import type { PromotionGate, Registry } from '@mlinfra/registry';
import { type Command, numberOption, type OptionValues, stringOption } from '../cli/command.js';
import { EXIT_CODES, UsageError } from '../cli/errors.js';
import { openHomeDatasets, withRegistry } from '../cli/home.js';
import { type CommandContext, cellText, emit, shortId, table } from '../cli/output.js';
import { readJsonFile } from './datasets.js';
import { registerCommands } from './register-model.js';

/** `name/3`, `name@alias` or `name` (latest) to a version number. */
async function versionOf(
  registry: Registry,
  reference: string,
): Promise<{ name: string; version: number }> {
  const resolved = await registry.resolve(
    reference.includes('@') || reference.includes('/') ? reference : `${reference}@latest`,
  );
  return { name: resolved.name, version: resolved.version };
}

function parseVersion(text: string): number {
  const version = Number(text);
  if (!Number.isInteger(version) || version < 1) {
    throw new UsageError(`A version is a positive integer such as 3; got ${JSON.stringify(text)}`);
  }
  return version;
}

const list: Command = {
  path: ['models', 'list'],
  args: [],
  summary: 'List registered models with their latest version and aliases.',
  details: `Examples:
  mlinfra models list
  mlinfra models list --json`,
  options: {
    limit: { type: 'string', value: '<n>', description: 'at most this many models (default 100)' },
  },
  async run(context, _args, options) {
    const limit = numberOption(options, 'limit', { integer: true, min: 1 }) ?? 100;
    const page = await withRegistry(context, (registry) =>
      registry.listModels({ limit: Math.min(limit, 1000) }),
    );
    emit(context, page.models, () =>
      page.models.length === 0
        ? `No models registered in ${context.home} yet (mlinfra train with "register" adds one).`
        : table(
            ['model', 'latest', 'aliases', 'updated', 'description'],
            page.models.map((model) => [
              model.name,
              model.latestVersion,
              Object.entries(model.aliases)
                .map(([alias, version]) => `@${alias}=${version}`)
                .join(' ') || '-',
              model.updatedAt,
              model.description ?? '',
            ]),
          ),
    );
    return EXIT_CODES.ok;
  },
};

const show: Command = {
  path: ['models', 'show'],
  args: ['<model>'],
  summary: 'Show a model and its versions (name), or one version (name/3, name@champion).',
  details: `Examples:
  mlinfra models show weather
  mlinfra models show weather@champion`,
  options: {},
  async run(context, [reference]) {
    await withRegistry(context, async (registry) => {
      if (reference!.includes('@') || reference!.includes('/')) {
        const version = await registry.resolve(reference!);
        emit(context, version, () => {
          const lines = [
            `${version.name}/${version.version}${version.aliases.length > 0 ? `  ${version.aliases.map((alias) => `@${alias}`).join(' ')}` : ''}`,
            `  artifact  ${version.artifact} (${version.artifactSize} bytes, ${version.format})`,
            `  created   ${cellText(version.createdAt)} by ${version.createdBy}`,
            `  approval  ${version.approval.status}${version.approval.by === undefined ? '' : ` by ${version.approval.by}`}${version.approval.reason === undefined ? '' : `: ${version.approval.reason}`}`,
            `  run       ${version.runId ?? '-'}`,
          ];
          if (version.inputColumns !== undefined)
            lines.push(
              `  columns   ${Object.entries(version.inputColumns)
                .map(([input, columns]) => `${input}=${columns.join(',')}`)
                .join(' ')}`,
            );
          if (version.description !== undefined) lines.push(`  about     ${version.description}`);
          if (Object.keys(version.tags).length > 0)
            lines.push(
              `  tags      ${Object.entries(version.tags)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}`,
            );
          const metrics = Object.entries(version.metrics);
          if (metrics.length > 0) lines.push('', table(['metric', 'value'], metrics));
          const slices = Object.entries(version.slices);
          if (slices.length > 0) {
            const names = [...new Set(slices.flatMap(([, values]) => Object.keys(values)))];
            lines.push(
              '',
              table(
                ['slice', ...names],
                slices.map(([slice, values]) => [slice, ...names.map((name) => values[name])]),
              ),
            );
          }
          return lines.join('\n');
        });
        return;
      }
      const model = await registry.getModel(reference!);
      const versions = await registry.listVersions(reference!, { limit: 100 });
      emit(context, { ...model, versions: versions.versions }, () => {
        const metricNames = [
          ...new Set(versions.versions.flatMap((version) => Object.keys(version.metrics))),
        ].slice(0, 4);
        return [
          `${model.name}: ${model.latestVersion} version(s)${model.description === undefined ? '' : `, ${model.description}`}`,
          '',
          table(
            ['version', 'aliases', 'approval', 'created', ...metricNames, 'artifact'],
            versions.versions.map((version) => [
              version.version,
              version.aliases.map((alias) => `@${alias}`).join(' ') || '-',
              version.approval.status,
              version.createdAt,
              ...metricNames.map((name) => version.metrics[name]),
              shortId(version.artifact),
            ]),
          ),
        ].join('\n');
      });
    });
    return EXIT_CODES.ok;
  },
};

const alias: Command = {
  path: ['models', 'alias'],
  args: ['<model>', '<alias>', '[version]'],
  summary: 'Point an alias at a version (no gates; use promote for gated moves), or --delete it.',
  details:
    'Examples:\n  mlinfra models alias weather staging 4\n  mlinfra models alias weather staging --delete',
  options: {
    delete: { type: 'boolean', description: 'delete the alias instead' },
  },
  async run(context, [name, aliasName, versionText], options) {
    const remove = options.delete === true;
    if (!remove && versionText === undefined) {
      throw new UsageError(
        `Give the version: mlinfra models alias ${name} ${aliasName} <version> (or --delete)`,
      );
    }
    await withRegistry(context, async (registry) => {
      if (remove) {
        await registry.deleteAlias(name!, aliasName!);
        emit(
          context,
          { model: name, alias: aliasName, deleted: true },
          () => `Deleted ${name}@${aliasName}`,
        );
        return;
      }
      const version = parseVersion(versionText!);
      await registry.setAlias(name!, aliasName!, version);
      emit(
        context,
        { model: name, alias: aliasName, version },
        () => `${name}@${aliasName} -> ${name}/${version}`,
      );
    });
    return EXIT_CODES.ok;
  },
};

/** Gates from `--gate metric>=x`, `--gate metric<=x`, `--max-regression metric=d` and `--gates file`. */
async function gatesOf(context: CommandContext, options: OptionValues): Promise<PromotionGate[]> {
  const gates: PromotionGate[] = [];
  const file = stringOption(options, 'gates');
  if (file !== undefined) {
    const loaded = await readJsonFile(context, file, 'Gates file');
    if (!Array.isArray(loaded)) {
      throw new UsageError(
        `Gates file ${file} must hold an array such as [{ "metric": "accuracy", "min": 0.8 }]`,
      );
    }
    gates.push(...(loaded as PromotionGate[]));
  }
  for (const expression of (options.gate as string[] | undefined) ?? []) {
    const match = /^\s*([^<>=\s]+)\s*(>=|<=)\s*(-?[0-9.eE+-]+)\s*$/.exec(expression);
    const bound = Number(match?.[3]);
    if (match === null || !Number.isFinite(bound)) {
      throw new UsageError(
        `--gate takes metric>=value or metric<=value, e.g. --gate 'accuracy>=0.8'; got ${JSON.stringify(expression)}`,
      );
    }
    const metric = match[1]!;
    let gate = gates.find((existing) => existing.metric === metric);
    if (gate === undefined) {
      gate = { metric };
      gates.push(gate);
    }
    if (match[2] === '>=') gate.min = bound;
    else {
      gate.max = bound;
      gate.higherIsBetter ??= false;
    }
  }
  for (const expression of (options['max-regression'] as string[] | undefined) ?? []) {
    const [metric, text] = expression.split('=');
    const delta = Number(text);
    if (metric === undefined || metric === '' || !Number.isFinite(delta) || delta < 0) {
      throw new UsageError(
        `--max-regression takes metric=delta, e.g. --max-regression accuracy=0.01; got ${JSON.stringify(expression)}`,
      );
    }
    let gate = gates.find((existing) => existing.metric === metric);
    if (gate === undefined) {
      gate = { metric };
      gates.push(gate);
    }
    gate.maxRegression = delta;
  }
  const lowerIsBetter = options['lower-is-better'] as string[] | undefined;
  for (const metric of lowerIsBetter ?? []) {
    const gate = gates.find((existing) => existing.metric === metric);
    if (gate !== undefined) gate.higherIsBetter = false;
  }
  return gates;
}

const promote: Command = {
  path: ['models', 'promote'],
  args: ['<model>', '<version>', '<alias>'],
  summary: 'Move an alias to a version if it passes the gates (atomically); exits 5 when refused.',
  details: `Examples:
  mlinfra models promote weather 4 champion --gate 'accuracy>=0.8' --max-regression accuracy=0.01
  mlinfra models promote weather 4 champion --gate 'logLoss<=0.7' --dry-run`,
  options: {
    gate: {
      type: 'string',
      multiple: true,
      value: "<'m>=x'|'m<=x'>",
      description: 'absolute bound on a metric (<= marks it lower-is-better); repeatable',
    },
    'max-regression': {
      type: 'string',
      multiple: true,
      value: '<m=delta>',
      description: 'how much worse than the alias holder the metric may be; repeatable',
    },
    'lower-is-better': {
      type: 'string',
      multiple: true,
      value: '<metric>',
      description: 'mark a metric as lower-is-better for --max-regression (loss, latency)',
    },
    gates: {
      type: 'string',
      value: '<file.json>',
      description:
        'gates as JSON: [{ "metric", "min"?, "max"?, "maxRegression"?, "higherIsBetter"?, "slices"? }]',
    },
    'require-approval': { type: 'boolean', description: 'refuse unless the version is approved' },
    'dry-run': {
      type: 'boolean',
      description: 'evaluate the gates and print the report; move nothing',
    },
  },
  async run(context, [name, versionText, aliasName], options) {
    const version = parseVersion(versionText!);
    const gates = await gatesOf(context, options);
    return withRegistry(context, async (registry) => {
      const { PromotionRefusedError } = await import('@mlinfra/registry');
      let report: Awaited<ReturnType<Registry['promote']>>;
      let refused = false;
      try {
        report = await registry.promote(name!, version, aliasName!, {
          gates,
          requireApproval: options['require-approval'] === true,
          dryRun: options['dry-run'] === true,
        });
      } catch (error) {
        if (!(error instanceof PromotionRefusedError)) throw error;
        report = error.report;
        refused = true;
      }
      const failed = refused || report.failures.length > 0;
      emit(context, { ...report, dryRun: options['dry-run'] === true }, () =>
        [
          failed
            ? `Refused: ${name}/${version} stays off @${aliasName} (${report.failures.length} failed check(s)); improve the model or relax the gates.`
            : options['dry-run'] === true
              ? `Dry run: ${name}/${version} would move to @${aliasName}.`
              : `Promoted ${name}/${version} to @${aliasName}${report.previousVersion === undefined ? '' : ` (was ${report.previousVersion})`}.`,
          report.checks.length === 0
            ? '  (no gates)'
            : table(
                ['check', 'slice', 'candidate', 'holder', 'result', 'why'],
                report.checks.map((check) => [
                  check.metric,
                  check.slice ?? 'overall',
                  check.candidate,
                  check.baseline,
                  check.passed ? 'pass' : 'FAIL',
                  check.reason,
                ]),
              ),
        ].join('\n'),
      );
      return failed ? EXIT_CODES.conflict : EXIT_CODES.ok;
    });
  },
};

const lineage: Command = {
  path: ['models', 'lineage'],
  args: ['<model>'],
  summary: 'Where a version came from (name/3, name@alias): its run, params and dataset versions.',
  details: `Examples:
  mlinfra models lineage weather@champion`,
  options: {},
  async run(context, [reference]) {
    const result = await withRegistry(context, async (registry) => {
      const { name, version } = await versionOf(registry, reference!);
      return registry.lineage(name, version);
    });
    const datasets = await openHomeDatasets(context);
    const inputs = await Promise.all(
      result.datasets.map(async (id) => {
        try {
          const version = await datasets.version(id);
          return {
            id,
            dataset: version.dataset,
            rows: version.rowCount,
            message: version.message,
            createdAt: version.createdAt,
          };
        } catch {
          return { id, dataset: null, rows: null, message: null, createdAt: null };
        }
      }),
    );
    emit(context, { ...result, inputs }, () => {
      const { version, run } = result;
      const lines = [
        `${version.name}/${version.version}${version.aliases.length > 0 ? ` (${version.aliases.map((a) => `@${a}`).join(' ')})` : ''}  artifact ${version.artifact}`,
      ];
      if (run === undefined) lines.push('  no run was recorded for this version');
      else {
        lines.push(
          `  run ${run.id} (${run.experiment}${run.name === undefined ? '' : `/${run.name}`}, ${run.status}, started ${cellText(run.startedAt)})`,
        );
        const params = Object.entries(run.params);
        if (params.length > 0)
          lines.push(`  params ${params.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      lines.push(
        '',
        inputs.length === 0
          ? 'No dataset versions recorded.'
          : table(
              ['dataset version', 'dataset', 'rows', 'created', 'message'],
              inputs.map((input) => [
                input.id,
                input.dataset ?? '(not in this store)',
                input.rows,
                input.createdAt,
                input.message,
              ]),
            ),
      );
      return lines.join('\n');
    });
    return EXIT_CODES.ok;
  },
};

/** `mlinfra models ...`. */
export const modelCommands: Command[] = [list, show, ...registerCommands, alias, promote, lineage];
