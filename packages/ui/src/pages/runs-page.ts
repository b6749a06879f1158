import type { RunRecord } from '@mlinfra/registry';
import { formatDate, formatDuration, formatNumber, shortDigest } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';

const MAX_COLUMNS = 30;

/** Milliseconds a run took (or has taken so far). */
export function runDuration(run: RunRecord, now = Date.now()): number {
  return (run.endedAt?.getTime() ?? now) - run.startedAt.getTime();
}

/** The coloured status label of a run. */
export function statusBadge(status: string): SafeHtml {
  return html`<span class="status status-${status}">${status}</span>`;
}

/** Links to the dataset versions a run trained on. */
export function datasetLinks(request: PageRequest, inputs: readonly string[]): SafeHtml[] {
  return inputs.map(
    (input) =>
      html`<a class="digest" href="${href(request, `/dataset-versions/${segment(input)}`)}" title="${input}">${shortDigest(input)}</a> `,
  );
}

/** `key=value` chips for tags. */
export function tagChips(tags: Record<string, string>): SafeHtml[] {
  return Object.entries(tags)
    .filter(([key]) => !key.startsWith('mlinfra.'))
    .map(([key, value]) => html`<span class="tag">${key}=${value}</span> `);
}

function orderLink(request: PageRequest, field: string, label: string, current: string): SafeHtml {
  const [currentField, currentDirection] = current.split(/\s+/);
  const active = currentField === field;
  const direction = active && currentDirection?.toUpperCase() === 'DESC' ? 'ASC' : 'DESC';
  const query = Object.fromEntries(request.url.searchParams);
  delete query.page;
  const arrow = active ? (currentDirection?.toUpperCase() === 'DESC' ? ' ▼' : ' ▲') : '';
  return html`<a href="${href(request, '/runs', { ...query, order: `${field} ${direction}` })}">${label}${arrow}</a>`;
}

function union(
  runs: readonly RunRecord[],
  pick: (run: RunRecord) => Record<string, unknown>,
): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const key of Object.keys(pick(run))) keys.add(key);
  return [...keys].sort().slice(0, MAX_COLUMNS);
}

/** `/runs`: the runs table with filter, sort and pages. */
export async function runsPage(context: UiContext, request: PageRequest): Promise<Page> {
  const query = request.url.searchParams;
  const experiment = query.get('experiment') ?? '';
  const filter = query.get('filter') ?? '';
  const order = query.get('order') ?? '';
  const pageToken = query.get('page') ?? undefined;
  const experiments = await context.registry.listExperiments();
  let runs: RunRecord[] = [];
  let next: string | undefined;
  let error: string | undefined;
  try {
    const page = await context.registry.searchRuns({
      ...(experiment === '' ? {} : { experiment }),
      filter,
      ...(order === '' ? {} : { orderBy: order }),
      limit: context.pageSize,
      ...(pageToken === undefined ? {} : { pageToken }),
    });
    runs = page.runs;
    next = page.nextPageToken;
  } catch (caught) {
    if ((caught as { code?: unknown })?.code !== 'VALIDATION') throw caught;
    error = (caught as Error).message;
  }
  const paramKeys = union(runs, (run) => run.params);
  const metricKeys = union(runs, (run) => run.metrics);
  const currentOrder = order === '' ? 'start_time DESC' : order;
  const now = Date.now();
  const rows = runs.map(
    (run) => html`<tr>
<td><input type="checkbox" name="run" value="${run.id}" aria-label="compare ${run.name ?? run.id}"></td>
<td><a class="run-link" href="${href(request, `/runs/${segment(run.id)}`)}">${run.name ?? run.id.slice(0, 8)}</a></td>
<td>${statusBadge(run.status)}</td>
<td class="nowrap">${formatDate(run.startedAt)}</td>
<td class="num">${formatDuration(runDuration(run, now))}</td>
${paramKeys.map((key) => html`<td class="num">${run.params[key] === undefined ? '' : String(run.params[key])}</td>`)}
${metricKeys.map((key) => html`<td class="num">${run.metrics[key] === undefined ? '' : formatNumber(run.metrics[key])}</td>`)}
<td>${run.experiment}</td>
<td>${datasetLinks(request, run.inputs)}</td>
<td>${tagChips(run.tags)}</td>
</tr>`,
  );
  const keep = { experiment, filter, order };
  const body = html`<h1>Runs</h1>
<form method="get" action="${href(request, '/runs')}" class="filters">
<label>Experiment <select name="experiment"><option value="">all</option>${experiments.map(
    (item) =>
      html`<option value="${item.name}"${item.name === experiment ? html` selected` : ''}>${item.name}</option>`,
  )}</select></label>
<label class="grow">Filter <input type="text" name="filter" value="${filter}" placeholder="metrics.val_loss &lt; 0.5 and params.optimizer = 'adam' and status = 'finished'"></label>
<input type="hidden" name="order" value="${order}">
<button type="submit">Search</button>
</form>
${error === undefined ? '' : html`<p class="error" role="alert">${error}</p>`}
<form method="get" action="${href(request, '/compare')}">
<div class="table-scroll"><table class="runs">
<thead><tr><th></th><th>${orderLink(request, 'name', 'Run', currentOrder)}</th><th>${orderLink(request, 'status', 'Status', currentOrder)}</th>
<th>${orderLink(request, 'start_time', 'Started', currentOrder)}</th><th>Duration</th>
${paramKeys.map((key) => html`<th class="param">${orderLink(request, `params.${key}`, key, currentOrder)}</th>`)}
${metricKeys.map((key) => html`<th class="metric">${orderLink(request, `metrics.${key}`, key, currentOrder)}</th>`)}
<th>Experiment</th><th>Dataset</th><th>Tags</th>
</tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="8" class="empty">No runs match.</td></tr>` : rows}</tbody>
</table></div>
<p class="pager"><button type="submit">Compare selected</button>
${pageToken === undefined ? '' : html`<a href="${href(request, '/runs', keep)}">First page</a>`}
${next === undefined ? '' : html`<a rel="next" href="${href(request, '/runs', { ...keep, page: next })}">Next page</a>`}</p>
</form>`;
  return { title: 'Runs', body, section: 'runs', ...(error === undefined ? {} : { status: 400 }) };
}
