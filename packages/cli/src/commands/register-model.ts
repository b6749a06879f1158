import { resolve } from 'node:path';
import { type Command, stringOption } from '../cli/command.js';
import { EXIT_CODES, UsageError } from '../cli/errors.js';
import { withRegistry } from '../cli/home.js';
import { emit } from '../cli/output.js';

/** `--columns features=age,income` (repeatable) to `{ features: ['age', 'income'] }`. */
function parseColumns(values: readonly string[]): Record<string, string[]> | undefined {
  if (values.length === 0) return undefined;
  const columns: Record<string, string[]> = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    const names = value
      .slice(equals + 1)
      .split(',')
      .map((name) => name.trim());
    if (equals < 1 || names.some((name) => name === '')) {
      throw new UsageError(
        `--columns takes input=column,column,... such as --columns features=age,income; got ${JSON.stringify(value)}`,
      );
    }
    columns[value.slice(0, equals)] = names;
  }
  return columns;
}

const register: Command = {
  path: ['models', 'register'],
  args: ['<model>'],
  summary: 'Register a model version from an ONNX file (or a stored artifact digest).',
  details: `The ONNX file is loaded with onnxruntime-node first (its signature is recorded and checked
against --columns), then stored and registered with format "onnx".

Examples:
  mlinfra models register churn --onnx model.onnx --alias champion
  mlinfra models register churn --onnx model.onnx --columns features=age,income,tenure
  mlinfra serve churn@champion`,
  options: {
    onnx: { type: 'string', value: '<file.onnx>', description: 'the ONNX model file to register' },
    artifact: {
      type: 'string',
      value: '<sha256:...>',
      description: 'register a @mlinfra/trainer artifact already in the store, by digest',
    },
    columns: {
      type: 'string',
      multiple: true,
      value: '<input=col,col>',
      description:
        'dataset columns fed to an ONNX input, in order (repeatable; for /v1 and scoring)',
    },
    alias: { type: 'string', value: '<alias>', description: 'point this alias at the new version' },
    description: { type: 'string', value: '<text>', description: 'free text for the version' },
  },
  async run(context, [name], options) {
    const file = stringOption(options, 'onnx');
    const digest = stringOption(options, 'artifact');
    if ((file === undefined) === (digest === undefined)) {
      throw new UsageError(
        `Give exactly one of --onnx <file.onnx> or --artifact <digest>: mlinfra models register ${name} --onnx model.onnx`,
      );
    }
    const columns = parseColumns((options.columns as string[] | undefined) ?? []);
    if (columns !== undefined && file === undefined)
      throw new UsageError('--columns maps dataset columns to ONNX inputs; use it with --onnx.');
    const aliasName = stringOption(options, 'alias');
    const description = stringOption(options, 'description');
    let signature: { inputs: unknown[]; outputs: unknown[]; batched: boolean } | undefined;
    const path = file === undefined ? undefined : resolve(context.io.cwd, file);
    if (path !== undefined) {
      // Loading it first refuses a file onnxruntime cannot serve before anything is stored.
      const { readFile } = await import('node:fs/promises');
      const { checkInputColumns, loadOnnxModel } = await import('@mlinfra/serving');
      const model = await loadOnnxModel(await readFile(path));
      try {
        signature = {
          inputs: [...model.signature.inputs],
          outputs: [...model.signature.outputs],
          batched: model.batched,
        };
        if (columns !== undefined) checkInputColumns(model.signature, columns);
      } finally {
        await model.dispose();
      }
    }
    return withRegistry(
      context,
      async (registry) => {
        const version = await registry.registerModel(name!, {
          artifact: path === undefined ? digest! : { file: path },
          format: path === undefined ? 'tfjs' : 'onnx',
          ...(columns === undefined ? {} : { inputColumns: columns }),
          ...(signature === undefined ? {} : { signature: signature as never }),
          ...(description === undefined ? {} : { description }),
        });
        if (aliasName !== undefined) await registry.setAlias(name!, aliasName, version.version);
        emit(
          context,
          { ...version, alias: aliasName ?? null },
          () =>
            `Registered ${version.name}/${version.version} (${version.format}) artifact ${version.artifact}${aliasName === undefined ? '' : `\n${version.name}@${aliasName} -> ${version.name}/${version.version}`}`,
        );
        return EXIT_CODES.ok;
      },
      { create: true },
    );
  },
};

/** `mlinfra models register`. */
export const registerCommands: Command[] = [register];
