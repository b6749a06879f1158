import type { Datasets } from '@mlinfra/datasets';
import { formatBytes, formatDate, formatNumber, shortDigest } from '../html/format.js';
import { html } from '../html/html.js';
import { notFound } from '../http/http-error.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';

/** The UI's datasets. @throws HttpError 404 when createUi was given none. */
export function requireDatasets(context: UiContext): Datasets {
  if (context.datasets === undefined) {
    throw notFound('This UI shows no datasets; pass datasets: openDatasets(...) to createUi');
  }
  return context.datasets;
}

/** Link to a dataset version's page. */
export function versionHref(request: PageRequest, dataset: string, id: string): string {
  return href(request, `/datasets/${segment(dataset)}/versions/${segment(id)}`);
}

/** `/datasets`: every dataset with its branches. */
export async function datasetsPage(context: UiContext, request: PageRequest): Promise<Page> {
  if (context.datasets === undefined) {
    return {
      title: 'Datasets',
      section: 'datasets',
      body: html`<h1>Datasets</h1><p class="empty">This UI shows no datasets; pass <code>datasets: openDatasets(...)</code> to createUi.</p>`,
    };
  }
  const datasets = context.datasets;
  const names = await datasets.list();
  const rows = await Promise.all(
    names.map(async (name) => {
      const branches = await datasets.branches(name);
      const head = branches.main ?? Object.values(branches)[0];
      const version = head === undefined ? undefined : await datasets.version(head);
      return html`<tr><td><a class="dataset-link" href="${href(request, `/datasets/${segment(name)}`)}">${name}</a></td><td>${Object.keys(branches).length}</td><td class="num">${version === undefined ? '–' : version.rowCount}</td><td>${version === undefined ? '–' : formatDate(version.createdAt)}</td><td>${version?.message ?? ''}</td></tr>`;
    }),
  );
  const body = html`<h1>Datasets</h1>${
    names.length === 0
      ? html`<p class="empty">No datasets committed yet.</p>`
      : html`<table><thead><tr><th>Dataset</th><th>Branches</th><th>Rows (main)</th><th>Last commit</th><th>Message</th></tr></thead><tbody>${rows}</tbody></table>`
  }`;
  return { title: 'Datasets', body, section: 'datasets' };
}

/** `/datasets/<name>`: branches, tags, a branch's versions, and a form to diff two versions. */
export async function datasetPage(context: UiContext, request: PageRequest): Promise<Page> {
  const datasets = requireDatasets(context);
  const name = request.params[0] ?? '';
  const branches = await datasets.branches(name);
  if (Object.keys(branches).length === 0) {
    throw notFound(`No dataset ${JSON.stringify(name)}; see the list of datasets`);
  }
  const tags = await datasets.tags(name);
  const branch =
    request.url.searchParams.get('branch') ??
    (branches.main === undefined ? Object.keys(branches)[0]! : 'main');
  if (branches[branch] === undefined)
    throw notFound(`Dataset ${name} has no branch ${JSON.stringify(branch)}`);
  const log = await datasets.log(name, { branch, limit: 200 });
  const tagsOf = new Map<string, string[]>();
  for (const [tag, id] of Object.entries(tags)) tagsOf.set(id, [...(tagsOf.get(id) ?? []), tag]);
  const options = log.map(
    (version) =>
      html`<option value="${version.id}">${shortDigest(version.id)} ${formatDate(version.createdAt)} ${version.message}</option>`,
  );
  const body = html`<h1>Dataset <span class="dataset-name">${name}</span></h1>
<h2>Branches</h2><ul>${Object.entries(branches).map(
    ([branchName, id]) =>
      html`<li><a href="${href(request, `/datasets/${segment(name)}`, { branch: branchName })}">${branchName}</a> → <a class="digest" href="${versionHref(request, name, id)}">${shortDigest(id)}</a></li>`,
  )}</ul>
<h2>Tags</h2>${
    Object.keys(tags).length === 0
      ? html`<p class="empty">No tags.</p>`
      : html`<ul>${Object.entries(tags).map(([tag, id]) => html`<li><span class="tag">${tag}</span> → <a class="digest" href="${versionHref(request, name, id)}">${shortDigest(id)}</a></li>`)}</ul>`
  }
<h2>Versions on ${branch}</h2>
<table class="dataset-versions"><thead><tr><th>Version</th><th>Committed</th><th>Rows</th><th>Columns</th><th>Mode</th><th>Author</th><th>Message</th><th>Tags</th></tr></thead><tbody>${log.map(
    (version) =>
      html`<tr><td><a class="digest version-link" href="${versionHref(request, name, version.id)}">${shortDigest(version.id)}</a></td><td class="nowrap">${formatDate(version.createdAt)}</td><td class="num">${version.rowCount}</td><td class="num">${version.schema.columns.length}</td><td>${version.mode}</td><td>${version.author ?? ''}</td><td>${version.message}</td><td>${(tagsOf.get(version.id) ?? []).map((tag) => html`<span class="tag">${tag}</span> `)}</td></tr>`,
  )}</tbody></table>
${
  log.length < 2
    ? ''
    : html`<h2>Compare two versions</h2><form method="get" action="${href(request, `/datasets/${segment(name)}/diff`)}" class="filters">
<label>From <select name="a">${options.slice(1)}${options[0]}</select></label>
<label>To <select name="b">${options}</select></label>
<button type="submit">Diff</button></form>`
}`;
  return { title: `Dataset ${name}`, body, section: 'datasets' };
}

/** `/dataset-versions/<id>`: finds the dataset of a version id (for links from runs). */
export async function datasetVersionLocation(
  context: UiContext,
  request: PageRequest,
): Promise<string> {
  const datasets = requireDatasets(context);
  const version = await datasets.version(request.params[0] ?? '');
  return versionHref(request, version.dataset, version.id);
}

/** Bytes of all a version's files. */
export function versionBytes(files: ReadonlyArray<{ sizeBytes: number }>): string {
  return formatBytes(files.reduce((sum, file) => sum + file.sizeBytes, 0));
}

/** Share as a percentage. */
export function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${formatNumber((100 * part) / whole)}%`;
}
