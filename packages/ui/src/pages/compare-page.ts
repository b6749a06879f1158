import type { RunRecord } from '@mlinfra/registry';
import { formatDate, formatNumber, shortDigest } from '../html/format.js';
import { html } from '../html/html.js';
import { badRequest } from '../http/http-error.js';
import { metricChart } from './charts.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';
import { statusBadge } from './runs-page.js';

const MAX_RUNS = 10;

function label(run: RunRecord): string {
  return run.name ?? run.id.slice(0, 8);
}

function cell(value: unknown): string {
  if (value === undefined) return '–';
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** `/compare?run=<id>&run=<id>`: overlaid metric charts and a param/metric diff table of 2 to 10 runs. */
export async function comparePage(context: UiContext, request: PageRequest): Promise<Page> {
  const ids = [...new Set(request.url.searchParams.getAll('run').filter((id) => id !== ''))];
  if (ids.length > MAX_RUNS) {
    throw badRequest(`Compare at most ${MAX_RUNS} runs at a time; ${ids.length} were selected`);
  }
  const runs = await Promise.all(ids.map((id) => context.registry.getRun(id)));
  if (runs.length < 2) {
    const experiment = runs[0]?.experiment;
    const candidates = await context.registry.searchRuns({
      ...(experiment === undefined ? {} : { experiment }),
      limit: 50,
    });
    const body = html`<h1>Compare runs</h1>
<p>Pick 2 to ${MAX_RUNS} runs.</p>
<form method="get" action="${href(request, '/compare')}"><ul class="picker">${candidates.runs.map(
      (run) =>
        html`<li><label><input type="checkbox" name="run" value="${run.id}"${ids.includes(run.id) ? html` checked` : ''}> ${label(run)} <small>${run.experiment} · ${formatDate(run.startedAt)}</small></label></li>`,
    )}</ul><button type="submit">Compare</button></form>`;
    return { title: 'Compare runs', body, section: 'runs' };
  }
  const paramKeys = [...new Set(runs.flatMap((run) => Object.keys(run.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((run) => Object.keys(run.metrics)))].sort();
  const row = (kind: string, key: string, values: unknown[]) => {
    const shown = values.map(cell);
    const differs = new Set(shown).size > 1;
    return html`<tr class="${differs ? 'differs' : 'same'}"><th><span class="kind">${kind}</span> ${key}</th>${shown.map((value) => html`<td class="num">${value}</td>`)}</tr>`;
  };
  const body = html`<h1>Compare ${runs.length} runs</h1>
<div class="charts">${metricKeys.map((key) =>
    metricChart(
      request,
      key,
      runs
        .filter((run) => run.metrics[key] !== undefined)
        .map((run) => ({ label: label(run), runId: run.id, key })),
    ),
  )}</div>
<h2>Differences</h2>
<p><label><input type="checkbox" data-toggle-same> Only rows that differ</label></p>
<div class="table-scroll"><table class="diff">
<thead><tr><th></th>${runs.map((run) => html`<th><a class="run-link" href="${href(request, `/runs/${segment(run.id)}`)}">${label(run)}</a></th>`)}</tr></thead>
<tbody>
${row(
  '',
  'status',
  runs.map((run) => run.status),
)}
${row(
  '',
  'experiment',
  runs.map((run) => run.experiment),
)}
${row(
  '',
  'dataset',
  runs.map((run) => run.inputs.map(shortDigest).join(', ') || undefined),
)}
${paramKeys.map((key) =>
  row(
    'param',
    key,
    runs.map((run) => run.params[key]),
  ),
)}
${metricKeys.map((key) =>
  row(
    'metric',
    key,
    runs.map((run) => run.metrics[key]),
  ),
)}
</tbody></table></div>
<p>${runs.map((run) => html`${statusBadge(run.status)} `)}</p>`;
  return { title: 'Compare runs', body, section: 'runs' };
}
