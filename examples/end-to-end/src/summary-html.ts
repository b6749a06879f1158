import { basename } from 'node:path';
import type { DemoSummary } from './demo.js';

function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/** An inline SVG line chart of training and validation loss per epoch. */
function lossChart(history: ReadonlyArray<Record<string, number>>): string {
  const width = 560;
  const height = 220;
  const left = 44;
  const bottom = 30;
  const top = 12;
  const series: Array<{ key: string; color: string }> = [
    { key: 'loss', color: '#2563eb' },
    { key: 'val_loss', color: '#ea580c' },
  ];
  const values = history.flatMap((epoch) =>
    series.map((line) => epoch[line.key]).filter((v): v is number => Number.isFinite(v)),
  );
  const max = Math.max(1e-9, ...values);
  const x = (index: number) =>
    left + (history.length <= 1 ? 0 : (index / (history.length - 1)) * (width - left - 10));
  const y = (value: number) => top + (1 - value / max) * (height - top - bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="Loss per epoch">`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - 10}" y2="${height - bottom}" stroke="#999"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#999"/>`,
    `<text x="4" y="${top + 10}" font-size="11">${format(max)}</text>`,
    `<text x="4" y="${height - bottom}" font-size="11">0</text>`,
    `<text x="${left}" y="${height - 8}" font-size="11">epoch 1</text>`,
    `<text x="${width - 70}" y="${height - 8}" font-size="11">epoch ${history.length}</text>`,
  ];
  series.forEach((line, index) => {
    const points = history
      .map((epoch, epochIndex) => [epochIndex, epoch[line.key]] as const)
      .filter((point): point is readonly [number, number] => Number.isFinite(point[1]))
      .map(([epochIndex, value]) => `${x(epochIndex).toFixed(1)},${y(value).toFixed(1)}`);
    if (points.length > 0) {
      parts.push(
        `<polyline fill="none" stroke="${line.color}" stroke-width="2" points="${points.join(' ')}"/>`,
      );
    }
    parts.push(
      `<text x="${width - 150 + index * 70}" y="${top + 10}" font-size="11" fill="${line.color}">${line.key}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function table(headers: string[], rows: Array<Array<string | number | boolean>>): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The demo's one-page summary: data, training curve, evaluation, promotion, serving, drift, cost. */
export function renderSummaryHtml(
  summary: DemoSummary,
  extra: { history: ReadonlyArray<Record<string, number>>; costMarkdown: string[] },
): string {
  const { dataset, training, model, serving, drift } = summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlinfra demo: ${escapeHtml(model.name)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:980px;margin:24px auto;padding:0 16px;color:#111}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f5f5f5}pre{background:#f7f7f7;padding:8px;overflow:auto}.bad{color:#b91c1c}.ok{color:#15803d}</style>
</head><body>
<h1>mlinfra end to end: Seattle weather</h1>
<p>Finished in ${summary.seconds} s${summary.quick ? ' (quick setting)' : ''}. Home: <code>${escapeHtml(summary.home)}</code>.</p>
<h2>1. Dataset versions</h2>
${table(
  ['version', 'rows', 'message'],
  dataset.versions.map((version) => [version.id.slice(0, 23), version.rows, version.message]),
)}
<p>Tag <code>${escapeHtml(dataset.tag)}</code>. Splits by hashed date: ${dataset.trainRows} train, ${dataset.validationRows} validation, ${dataset.testRows} test days.
A bad commit was rejected: <code>${escapeHtml(dataset.rejectedCommit)}</code></p>
<h2>2. Training</h2>
<p>Run <code>${escapeHtml(training.runId)}</code>: ${escapeHtml(training.status)} on <b>${escapeHtml(training.backend)}</b>, ${training.epochs} epochs, ${training.steps} steps in ${training.seconds} s (${training.samplesPerSecond} rows/s). Last checkpoint <code>${escapeHtml(training.checkpoint ?? 'none')}</code>.</p>
${lossChart(extra.history)}
<h2>3. Evaluation and promotion</h2>
${table(
  ['metric', 'test value'],
  Object.entries(summary.evaluation).map(([key, value]) => [key, format(value)]),
)}
<p><code>${escapeHtml(model.name)}/${model.version}</code> &rarr; <code>@${escapeHtml(model.alias)}</code>: ${model.promoted ? '<span class="ok">promoted</span>' : '<span class="bad">not promoted</span>'}</p>
${table(
  ['gate', 'passed', 'why'],
  model.checks.map((check) => [check.metric, check.passed, check.reason]),
)}
<h2>4. Serving</h2>
<p>${serving.requests} requests, ${serving.rows} days scored at <code>${escapeHtml(serving.url)}</code> (${serving.failed} failed); latency p50 ${format(serving.latencyMsP50)} ms, p95 ${format(serving.latencyMsP95)} ms; ${serving.loggedRecords} records in the prediction log.</p>
${table(
  ['predicted class', 'days'],
  Object.entries(serving.predictedClasses).map(([label, count]) => [label, count]),
)}
<h2>5. Drift</h2>
<p>Dataset drift: ${drift.datasetDrift ? '<span class="bad">yes</span>' : '<span class="ok">no</span>'} (share ${format(drift.driftShare)}). Full report with charts: <a href="${escapeHtml(basename(summary.reports.drift))}">${escapeHtml(basename(summary.reports.drift))}</a>.</p>
${table(
  ['column', 'test', 'statistic', 'drifted'],
  drift.columns.map((column) => [
    column.column,
    column.test,
    format(column.statistic),
    column.drifted,
  ]),
)}
<h2>6. Cost</h2>
${extra.costMarkdown.map((text) => `<pre>${escapeHtml(text)}</pre>`).join('\n')}
</body></html>
`;
}
