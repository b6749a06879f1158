import type { ColumnProfile } from '@mlinfra/drift';
import { formatDate, formatNumber, shortDigest } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import { notFound } from '../http/http-error.js';
import { barChart } from './charts.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';
import { percent, requireDatasets, versionBytes, versionHref } from './datasets-page.js';

const TOP_CATEGORIES = 10;

function profileChart(column: string, profile: ColumnProfile | undefined): SafeHtml {
  if (profile === undefined) return html``;
  if (profile.kind === 'numeric') {
    const { edges, counts } = profile.histogram;
    if (counts.length === 0) return html``;
    const labels = counts.map(
      (_, index) => `${formatNumber(edges[index])}–${formatNumber(edges[index + 1])}`,
    );
    return barChart(column, labels, counts);
  }
  const top = [...profile.frequent.items].sort((a, b) => b[1] - a[1]).slice(0, TOP_CATEGORIES);
  return barChart(
    column,
    top.map(([value]) => value),
    top.map(([, count]) => count),
  );
}

function topCategories(profile: ColumnProfile | undefined): SafeHtml {
  if (profile?.kind !== 'categorical') return html``;
  const top = [...profile.frequent.items].sort((a, b) => b[1] - a[1]).slice(0, 5);
  return html`${top.map(([value, count]) => html`<span class="tag">${value}: ${count}</span> `)}`;
}

/** `/datasets/<name>/versions/<id>`: schema, row count, statistics and profile charts. */
export async function datasetVersionPage(context: UiContext, request: PageRequest): Promise<Page> {
  const datasets = requireDatasets(context);
  const name = request.params[0] ?? '';
  const version = await datasets.version(request.params[1] ?? '');
  if (version.dataset !== name) {
    throw notFound(`Version ${version.id} belongs to dataset ${version.dataset}, not ${name}`);
  }
  const profile = await datasets.dataset(name, version.id).profile();
  const columns = version.schema.columns;
  const body = html`<h1>Dataset <a href="${href(request, `/datasets/${segment(name)}`)}">${name}</a> version <code>${shortDigest(version.id)}</code></h1>
<dl class="facts">
<dt>Id</dt><dd><code>${version.id}</code></dd>
<dt>Rows</dt><dd class="row-count">${version.rowCount}</dd>
<dt>Branch</dt><dd>${version.branch}</dd>
<dt>Parent</dt><dd>${version.parent === null ? 'none' : html`<a class="digest" href="${versionHref(request, name, version.parent)}">${shortDigest(version.parent)}</a> (<a href="${href(request, `/datasets/${segment(name)}/diff`, { a: version.parent, b: version.id })}">diff</a>, <a href="${href(request, '/drift', { dataset: name, reference: version.parent, current: version.id })}">drift</a>)`}</dd>
<dt>Committed</dt><dd>${formatDate(version.createdAt)}${version.author === null ? '' : html` by ${version.author}`}</dd>
<dt>Message</dt><dd>${version.message}</dd>
<dt>Files</dt><dd>${version.files.length} Parquet file(s), ${versionBytes(version.files)}</dd>
</dl>
<h2>Schema and statistics</h2>
<div class="table-scroll"><table class="schema"><thead><tr><th>Column</th><th>Type</th><th>Nullable</th><th>Missing</th><th>Distinct</th><th>Min</th><th>Max</th><th>Mean</th><th>Std</th><th>Top categories</th></tr></thead><tbody>${columns.map(
    (column) => {
      const stats = version.stats[column.name];
      const total = (stats?.count ?? 0) + (stats?.nulls ?? 0);
      return html`<tr><th>${column.name}</th><td>${column.type}</td><td>${column.nullable === true ? 'yes' : 'no'}</td><td class="num">${stats === undefined ? '–' : html`${stats.nulls} (${percent(stats.nulls, total)})`}</td><td class="num">${formatNumber(stats?.distinct)}</td><td class="num">${formatNumber(stats?.min)}</td><td class="num">${formatNumber(stats?.max)}</td><td class="num">${formatNumber(stats?.mean)}</td><td class="num">${formatNumber(stats?.std)}</td><td>${topCategories(profile?.columns[column.name])}</td></tr>`;
    },
  )}</tbody></table></div>
<h2>Profile</h2>
${
  profile === null
    ? html`<p class="empty">This version was committed without a profile.</p>`
    : html`<div class="charts">${columns.map((column) => profileChart(column.name, profile.columns[column.name]))}</div>`
}`;
  return { title: `${name} ${shortDigest(version.id)}`, body, section: 'datasets' };
}
