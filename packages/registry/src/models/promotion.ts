import { ConflictError, errorGuard } from '@mlinfra/core';
import { z } from 'zod';
import type { SqlExecutor } from '../driver/sql-driver.js';
import type { RegistryContext } from '../internal/context.js';
import { assertAlias, assertName, assertVersion, parseOptions } from '../internal/validate.js';
import { aliasVersion, moveAlias } from './aliases.js';
import {
  evaluateGates,
  type GateCheck,
  gatesSchema,
  type PromotionGate,
  type PromotionReport,
} from './gates.js';
import { readVersion } from './version-queries.js';

/** Options of {@link Registry.promote}. */
export interface PromoteOptions {
  /** Gates the candidate must pass. Default none. */
  gates?: PromotionGate[];
  /** Refuse unless the candidate's approval status is `approved`. Default false. */
  requireApproval?: boolean;
  /** Evaluate the gates and return the report without moving the alias (never throws for a failed gate). */
  dryRun?: boolean;
}

/** A failed promotion gate: nothing was changed. `report` says which checks failed and why. */
export class PromotionRefusedError extends ConflictError {
  /** True when `value` is a PromotionRefusedError (also from another copy of this package). */
  static override isInstance = errorGuard<PromotionRefusedError>('PromotionRefusedError');
  /** The full gate report. */
  readonly report: PromotionReport;
  constructor(report: PromotionReport) {
    const failures = report.failures
      .slice(0, 10)
      .map((check) => `  - ${check.metric} ${check.reason}`)
      .join('\n');
    super(
      `Promotion of ${report.name}/${report.version} to @${report.alias} refused: ${report.failures.length} gate check(s) failed; nothing was changed. Improve the model or relax the gates.\n${failures}`,
    );
    this.report = report;
  }
}

const promoteSchema = z.strictObject({
  gates: gatesSchema.optional(),
  requireApproval: z.boolean().optional(),
  dryRun: z.boolean().optional(),
});

/** Checks the candidate against the gates and the alias's holder, without changing anything. */
async function evaluate(
  executor: SqlExecutor,
  name: string,
  version: number,
  alias: string,
  gates: PromotionGate[],
  requireApproval: boolean,
): Promise<PromotionReport> {
  const candidate = await readVersion(executor, name, version);
  const holderVersion = await aliasVersion(executor, name, alias);
  const holder =
    holderVersion === undefined ? undefined : await readVersion(executor, name, holderVersion);
  const checks: GateCheck[] = evaluateGates(gates, candidate, holder);
  if (requireApproval) {
    const approved = candidate.approval.status === 'approved';
    checks.unshift({
      metric: 'approval',
      passed: approved,
      reason: approved
        ? `approved by ${candidate.approval.by ?? 'unknown'}`
        : `the version is ${candidate.approval.status}; approve it with setApproval() first`,
    });
  }
  const report: PromotionReport = {
    name,
    version,
    alias,
    promoted: false,
    checks,
    failures: checks.filter((check) => !check.passed),
  };
  if (holder !== undefined) report.previousVersion = holder.version;
  return report;
}

/**
 * Moves `alias` to `version` if every gate passes, atomically: the gates are checked against the
 * alias's holder inside the same write transaction that moves it.
 * @throws PromotionRefusedError when a gate fails; nothing changes. NotFoundError, ValidationError.
 */
export async function promote(
  context: RegistryContext,
  name: string,
  version: number,
  alias: string,
  options: PromoteOptions = {},
): Promise<PromotionReport> {
  assertName(name, 'model');
  assertVersion(version);
  assertAlias(alias);
  const checked = parseOptions(promoteSchema, options, 'promote() options');
  const gates = (checked.gates ?? []) as PromotionGate[];
  const requireApproval = checked.requireApproval === true;
  if (checked.dryRun === true) {
    return context.driver.transaction('read', (executor) =>
      evaluate(executor, name, version, alias, gates, requireApproval),
    );
  }
  const report = await context.driver.transaction('write', async (executor) => {
    // Locking the model row first makes concurrent promotions of one model take turns on
    // databases with row locks (PostgreSQL); SQLite's write lock already does.
    await executor.get(`SELECT name FROM models WHERE name = ?${context.dialect.lockRow}`, [name]);
    const report = await evaluate(executor, name, version, alias, gates, requireApproval);
    if (report.failures.length > 0) return report;
    report.promoted =
      (await moveAlias(context, executor, name, alias, version, {
        promotion: { gates: gates.length, checks: report.checks.length },
      })) || report.previousVersion === version;
    return report;
  });
  if (report.failures.length > 0) throw new PromotionRefusedError(report);
  context.changed();
  return report;
}
