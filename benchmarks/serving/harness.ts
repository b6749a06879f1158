// Shared by the serving benchmarks: start a server in its own process, load it with autocannon,
// read its CPU time from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** Starts `command args...`; resolves once it prints `{"port": n}` as its first line. */
export async function startProcess(
  command: string,
  args: readonly string[],
  label: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${label} server exited with ${code}`)));
  });
  return { child, port };
}

/** Starts a TypeScript server script under tsx. */
export function startNodeServer(script: string, args: readonly string[], label: string) {
  return startProcess(process.execPath, ['--import', 'tsx', script, ...args], label);
}

/** Stops a server process and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** One load run's results. */
export interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server process CPU time per answered request, in us (Linux only; NaN elsewhere). */
  cpuUs?: number;
}

/**
 * CPU seconds (user + system) a child process has used so far, from /proc (Linux); NaN elsewhere.
 * Per-request server CPU is far steadier than req/s on a shared machine, so it is printed too.
 */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, USER_HZ = 100
  } catch {
    return Number.NaN;
  }
}

/** POSTs `body` to the server for `seconds` from `connections` connections (at `rate` req/s when given). */
export async function load(
  port: number,
  path: string,
  body: string,
  options: { connections: number; seconds: number; rate?: number },
): Promise<Load> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: options.connections,
    duration: options.seconds,
    ...(options.rate === undefined ? {} : { overallRate: options.rate }),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** Warms a running server for a second, then loads it, reporting its CPU per request too. */
export async function measureRunning(
  server: { child: ChildProcess; port: number },
  path: string,
  body: string,
  options: { connections: number; seconds: number; rate?: number },
): Promise<Load> {
  await load(server.port, path, body, { connections: options.connections, seconds: 1 });
  const before = cpuSeconds(server.child.pid);
  const result = await load(server.port, path, body, options);
  const cpu = cpuSeconds(server.child.pid) - before;
  return { ...result, cpuUs: (cpu * 1e6) / (result.rps * options.seconds) };
}

/** One aligned line of a load result. */
export function line(name: string, r: Load): void {
  console.log(
    `${name.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  errors ${r.errors}${r.cpuUs === undefined ? '' : `  server CPU ${r.cpuUs.toFixed(0)} us/req`}`,
  );
}
