import { ValidationError, type ValidationIssue } from '@mlinfra/core';
import type { InstanceRow, RawFeature } from '../model/predictor.js';

/** What `/v1` does with a raw-row field that is not one of the model's features. */
export type UnknownFields = 'ignore' | 'reject';

/** Most issues reported for one request: enough to fix it, never a message the size of the body. */
const MAX_ISSUES = 20;

/**
 * Checks raw `/v1` rows against the model's features: every feature is present unless the
 * transform fills it, and (with `'reject'`) every field is a feature.
 * @throws ValidationError naming each missing feature and unknown field (row and name).
 */
export function checkRawRows(
  rows: readonly InstanceRow[],
  features: readonly RawFeature[],
  unknownFields: UnknownFields,
): void {
  const known = new Set(features.map((feature) => feature.name));
  const required = features.filter((feature) => feature.filled !== true);
  const issues: ValidationIssue[] = [];
  for (let index = 0; index < rows.length && issues.length < MAX_ISSUES; index++) {
    const row = rows[index]!;
    for (const feature of required) {
      if (!Object.hasOwn(row, feature.name)) {
        issues.push({
          path: ['instances', index, feature.name],
          message: `missing feature "${feature.name}"; send it (the model's feature transform has no fill value for it)`,
        });
      }
    }
    if (unknownFields === 'reject') {
      for (const key of Object.keys(row)) {
        if (!known.has(key)) {
          issues.push({
            path: ['instances', index, key],
            message: `unknown field "${key}"; send only the model's features, or serve it with unknownFields: 'ignore'`,
          });
        }
      }
    }
  }
  if (issues.length > 0) {
    const names = features.map((feature) => feature.name).join(', ');
    throw new ValidationError(
      `Instances do not match the model's features (${names}).`,
      issues.slice(0, MAX_ISSUES),
    );
  }
}
