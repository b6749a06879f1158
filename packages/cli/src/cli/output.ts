import { writeFileSync } from 'node:fs';
/** Where a command writes. The bin passes the process streams; tests may pass their own. */
export interface CommandIO {
  /** Writes to standard output (the command's result). */
  stdout(text: string): void;
  /** Writes to standard error (progress, warnings, errors). */
  stderr(text: string): void;
  /** Environment variables (MLINFRA_HOME). */
  env: Readonly<Record<string, string | undefined>>;
  /** Folder relative paths are resolved against. */
  cwd: string;
}

/** What every command receives. */
export interface CommandContext {
  io: CommandIO;
  /** `--json`: print machine-readable JSON on stdout instead of text. */
  json: boolean;
  /** The mlinfra home folder (absolute). */
  home: string;
  /** `--store` / `$MLINFRA_STORE`: blobs and refs elsewhere than the home (folder or URL). */
  store?: string;
  /** `--database` / `$MLINFRA_DATABASE_URL`: the registry's database elsewhere than the home. */
  database?: string;
  /** `--result`: a file that receives the result as JSON too (absolute). */
  result?: string;
}

/** Prints a value as JSON (with `--json`) or as text lines. */
export function emit(context: CommandContext, value: unknown, text: () => string): void {
  if (context.result !== undefined) {
    writeFileSync(context.result, `${JSON.stringify(value, jsonReplacer, 2)}\n`);
  }
  if (context.json) {
    context.io.stdout(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
  } else {
    const body = text();
    context.io.stdout(body.endsWith('\n') ? body : `${body}\n`);
  }
}

/** JSON with Dates as ISO strings, bigints as strings and non-finite numbers as strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

/** Progress on stderr (never mixed into `--json` output on stdout). */
export function progress(context: CommandContext, line: string): void {
  context.io.stderr(`${line}\n`);
}

/** A plain text table with a header row, columns padded to their widest cell. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const cells = rows.map((row) => row.map((cell) => cellText(cell)));
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...cells.map((row) => (row[index] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join(
    '\n',
  );
}

/** A value as table text: numbers to 4 significant digits, dates as ISO minutes. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    if (!Number.isFinite(value)) return String(value);
    const abs = Math.abs(value);
    if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(2);
    return String(Number(value.toPrecision(4)));
  }
  if (value instanceof Date) return value.toISOString().slice(0, 16).replace('T', ' ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `sha256:0123456789ab` from a full digest, for tables. */
export function shortId(id: string): string {
  return id.startsWith('sha256:') ? id.slice(0, 19) : id;
}
