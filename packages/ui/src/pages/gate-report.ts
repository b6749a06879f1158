import type { PromotionReport } from '@mlinfra/registry';
import { formatNumber } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';

/** A promotion report as a table: one row per gate check (metric and slice), failures marked. */
export function gateReportTable(report: PromotionReport): SafeHtml {
  if (report.checks.length === 0)
    return html`<p class="empty">No gates configured for @${report.alias}.</p>`;
  return html`<table class="gates"><thead><tr><th>Metric</th><th>Slice</th><th>Candidate</th><th>Baseline (v${report.previousVersion ?? '–'})</th><th>Result</th><th>Why</th></tr></thead><tbody>${report.checks.map(
    (check) =>
      html`<tr class="${check.passed ? 'pass' : 'fail'}"><td>${check.metric}</td><td>${check.slice ?? 'overall'}</td><td class="num">${formatNumber(check.candidate)}</td><td class="num">${formatNumber(check.baseline)}</td><td>${check.passed ? 'pass' : 'FAIL'}</td><td>${check.reason}</td></tr>`,
  )}</tbody></table>`;
}
