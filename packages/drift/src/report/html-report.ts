import type { ColumnDriftResult, DriftReport } from '../drift/drift-report.js';

/** Options of {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** Page title. Default `"Data drift report"`. */
  title?: string;
}

function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function formatNumber(value: number | null): string {
  if (value === null || value === undefined) return '–';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-4 || abs >= 1e6) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}

const REFERENCE_COLOR = '#8c9bab';
const CURRENT_COLOR = '#d9534f';
const CURRENT_OK_COLOR = '#2b7bb9';

/** Inline SVG of reference vs current proportions per bin. */
function histogramSvg(column: ColumnDriftResult): string {
  const { labels, reference, current } = column.distribution;
  const width = 520;
  const height = 170;
  const top = 10;
  const bottom = 40;
  const left = 36;
  const plotHeight = height - top - bottom;
  const bins = labels.length;
  const max = Math.max(1e-12, ...reference, ...current);
  const slot = (width - left - 8) / Math.max(bins, 1);
  const bar = Math.max(1, slot * 0.4);
  const currentColor = column.drifted ? CURRENT_COLOR : CURRENT_OK_COLOR;
  const parts: string[] = [];
  parts.push(
    `<line x1="${left}" y1="${top + plotHeight}" x2="${width - 4}" y2="${top + plotHeight}" stroke="#999" stroke-width="1"/>`,
  );
  for (const fraction of [0.5, 1]) {
    const y = top + plotHeight - fraction * plotHeight;
    parts.push(
      `<line x1="${left}" y1="${y.toFixed(1)}" x2="${width - 4}" y2="${y.toFixed(1)}" stroke="#eee" stroke-width="1"/>`,
    );
    parts.push(
      `<text x="${left - 4}" y="${(y + 3).toFixed(1)}" text-anchor="end" font-size="9" fill="#777">${escapeHtml(formatNumber(max * fraction * 100))}%</text>`,
    );
  }
  for (let i = 0; i < bins; i++) {
    const x = left + i * slot + slot * 0.1;
    const r = reference[i] ?? 0;
    const c = current[i] ?? 0;
    const rh = (r / max) * plotHeight;
    const ch = (c / max) * plotHeight;
    const label = escapeHtml(labels[i]);
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${(top + plotHeight - rh).toFixed(1)}" width="${bar.toFixed(1)}" height="${rh.toFixed(1)}" fill="${REFERENCE_COLOR}"><title>${label}: reference ${formatNumber(r * 100)}%</title></rect>`,
      `<rect x="${(x + bar).toFixed(1)}" y="${(top + plotHeight - ch).toFixed(1)}" width="${bar.toFixed(1)}" height="${ch.toFixed(1)}" fill="${currentColor}"><title>${label}: current ${formatNumber(c * 100)}%</title></rect>`,
    );
    const every = Math.ceil(bins / 8);
    if (i % every === 0) {
      const full = labels[i] ?? '';
      const text = full.length > 14 ? `${full.slice(0, 13)}…` : full;
      parts.push(
        `<text x="${(x + bar).toFixed(1)}" y="${top + plotHeight + 14}" text-anchor="middle" font-size="9" fill="#555">${escapeHtml(text)}</text>`,
      );
    }
  }
  parts.push(
    `<rect x="${left}" y="${height - 14}" width="10" height="10" fill="${REFERENCE_COLOR}"/><text x="${left + 14}" y="${height - 5}" font-size="10" fill="#333">reference</text>`,
    `<rect x="${left + 90}" y="${height - 14}" width="10" height="10" fill="${currentColor}"/><text x="${left + 104}" y="${height - 5}" font-size="10" fill="#333">current</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(`Distribution of ${column.column}`)}">${parts.join('')}</svg>`;
}

const STYLE = `
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;background:#f6f7f9;color:#1d2530}
header{background:#1d2530;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#c5ccd6;font-size:13px}
main{padding:24px 32px;max-width:1200px}
.cards{display:flex;gap:16px;flex-wrap:wrap;margin-bottom:24px}
.card{background:#fff;border-radius:8px;padding:14px 18px;box-shadow:0 1px 2px rgba(0,0,0,.08);min-width:160px}
.card .value{font-size:26px;font-weight:600}
.card .label{font-size:12px;color:#66707c;text-transform:uppercase;letter-spacing:.04em}
.drift{color:${CURRENT_COLOR}}.ok{color:#2e8540}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 2px rgba(0,0,0,.08);margin-bottom:28px}
th,td{text-align:left;padding:8px 12px;font-size:13px;border-bottom:1px solid #eef0f3}
th{background:#eef1f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:2px 8px;border-radius:10px;font-size:11px;font-weight:600}
.badge.drift{background:#fbe5e4}.badge.ok{background:#e3f1e6}
section.column{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:14px 18px;margin-bottom:16px}
section.column h3{margin:0 0 6px;font-size:15px}
section.column p{margin:0 0 8px;font-size:12px;color:#555}
a{color:#2b7bb9}
`;

/**
 * Renders a {@link DriftReport} as one self-contained HTML page: summary cards, a table of every
 * column (test, statistic, p-value, threshold, verdict, missing values) with drifted columns first,
 * and for each column an inline SVG histogram of reference against current. Nothing is loaded from
 * outside the page (no scripts, fonts or images); every value from the data is HTML-escaped.
 */
export function renderHtmlReport(report: DriftReport, options: HtmlReportOptions = {}): string {
  const title = options.title ?? 'Data drift report';
  const columns = [...report.columns].sort(
    (a, b) => Number(b.drifted) - Number(a.drifted) || a.column.localeCompare(b.column),
  );
  const verdict = report.datasetDrift
    ? `<span class="drift">Drift detected</span>`
    : `<span class="ok">No dataset drift</span>`;
  const rows = columns
    .map((c, i) => {
      const anchor = `col-${i}`;
      return `<tr><td><a href="#${anchor}">${escapeHtml(c.column)}</a>${c.role === 'prediction' ? ' <small>(prediction)</small>' : ''}</td><td>${escapeHtml(c.kind)}</td><td>${escapeHtml(c.test)}${c.approximate ? ' ≈' : ''}</td><td class="num">${formatNumber(c.statistic)}</td><td class="num">${formatNumber(c.pValue)}</td><td class="num">${c.pValue === null ? '≥ ' : 'p &lt; '}${formatNumber(c.threshold)}</td><td><span class="badge ${c.drifted ? 'drift' : 'ok'}">${c.drifted ? 'drift' : 'ok'}</span></td><td class="num">${formatNumber(c.referenceMissing)} / ${formatNumber(c.currentMissing)}</td></tr>`;
    })
    .join('\n');
  const sections = columns
    .map(
      (c, i) =>
        `<section class="column" id="col-${i}"><h3>${escapeHtml(c.column)} <span class="badge ${c.drifted ? 'drift' : 'ok'}">${c.drifted ? 'drift' : 'ok'}</span></h3><p>${escapeHtml(c.test)} = ${formatNumber(c.statistic)}${c.pValue !== null ? `, p = ${formatNumber(c.pValue)}` : ''}${c.errorBound !== null ? ` (± ${formatNumber(c.errorBound)}, from a profile)` : ''} · reference n = ${c.referenceCount}, current n = ${c.currentCount}</p>${histogramSvg(c)}</section>`,
    )
    .join('\n');
  const windowLine = report.window
    ? ` · window ${escapeHtml(new Date(report.window.start).toISOString())} – ${escapeHtml(new Date(report.window.end).toISOString())}`
    : '';
  const performance = report.performance
    ? `<h2>Model performance</h2><table><tr><th>metric</th><th>value</th><th>baseline</th></tr>${Object.entries(
        report.performance.metrics,
      )
        .map(
          ([k, v]) =>
            `<tr><td>${escapeHtml(k)}</td><td class="num ${report.performance?.degraded?.includes(k) ? 'drift' : ''}">${formatNumber(v)}</td><td class="num">${formatNumber(report.performance?.baseline?.[k] ?? null)}</td></tr>`,
        )
        .join(
          '',
        )}<tr><td>labeled predictions</td><td class="num">${report.performance.labeled}</td><td></td></tr></table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(title)}</h1><p>Created ${escapeHtml(report.createdAt)} · reference ${report.referenceRows} rows (${escapeHtml(report.source.reference)}) · current ${report.currentRows} rows (${escapeHtml(report.source.current)})${windowLine}</p></header>
<main>
<div class="cards">
<div class="card"><div class="value">${verdict}</div><div class="label">dataset</div></div>
<div class="card"><div class="value">${report.driftedColumns} / ${report.columnCount}</div><div class="label">columns drifted</div></div>
<div class="card"><div class="value">${formatNumber(report.driftShare * 100)}%</div><div class="label">share (threshold ${formatNumber(report.driftShareThreshold * 100)}%)</div></div>
</div>
${performance}
<h2>Columns</h2>
<table><tr><th>column</th><th>type</th><th>test</th><th>statistic</th><th>p-value</th><th>threshold</th><th>verdict</th><th>missing (ref / cur)</th></tr>
${rows}
</table>
${sections}
</main></body></html>
`;
}
