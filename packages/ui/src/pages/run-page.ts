import {
  formatBytes,
  formatDate,
  formatDuration,
  formatNumber,
  shortDigest,
} from '../html/format.js';
import { html } from '../html/html.js';
import { metricChart } from './charts.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';
import { datasetLinks, runDuration, statusBadge } from './runs-page.js';

/** A table of key/value pairs. */
export function keyValueTable(caption: string, entries: ReadonlyArray<readonly [string, unknown]>) {
  if (entries.length === 0) return html`<h2>${caption}</h2><p class="empty">None.</p>`;
  return html`<h2>${caption}</h2><table class="kv"><tbody>${entries.map(
    ([key, value]) =>
      html`<tr><th>${key}</th><td>${typeof value === 'number' ? formatNumber(value) : String(value)}</td></tr>`,
  )}</tbody></table>`;
}

/** `/runs/<id>`: one run's charts, params, tags, artifacts, checkpoints and lineage. */
export async function runPage(context: UiContext, request: PageRequest): Promise<Page> {
  const id = request.params[0] ?? '';
  const run = await context.registry.getRun(id);
  const events = await context.registry.auditLog({ runId: run.id, limit: 1000 });
  const produced = events.filter((event) => event.action === 'version.created');
  const live =
    run.status === 'running'
      ? { runId: run.id, pollIntervalMs: context.pollIntervalMs }
      : undefined;
  const metricKeys = Object.keys(run.metrics).sort();
  const checkpoints = run.artifacts.filter((artifact) => /checkpoint/i.test(artifact.name));
  const name = run.name ?? run.id;
  const body = html`<h1>Run <span class="run-name">${name}</span> ${statusBadge(run.status)}</h1>
<dl class="facts" data-run-status="${run.status}">
<dt>Id</dt><dd><code>${run.id}</code></dd>
<dt>Experiment</dt><dd><a href="${href(request, '/runs', { experiment: run.experiment })}">${run.experiment}</a></dd>
<dt>Started</dt><dd>${formatDate(run.startedAt)}</dd>
<dt>Ended</dt><dd>${formatDate(run.endedAt)}</dd>
<dt>Duration</dt><dd>${formatDuration(runDuration(run))}</dd>
<dt>Created by</dt><dd>${run.createdBy}</dd>
${run.codeVersion === undefined ? '' : html`<dt>Code version</dt><dd><code>${run.codeVersion}</code></dd>`}
</dl>
<h2>Metrics</h2>
${metricKeys.length === 0 ? html`<p class="empty">No metrics logged yet.</p>` : ''}
<div class="charts">${metricKeys.map((key) => metricChart(request, key, [{ label: name, runId: run.id, key }], live))}</div>
${keyValueTable(
  'Latest metrics',
  metricKeys.map((key) => [key, run.metrics[key]] as const),
)}
${keyValueTable('Params', Object.entries(run.params).sort())}
${keyValueTable('Tags', Object.entries(run.tags).sort())}
<h2>Artifacts</h2>
${
  run.artifacts.length === 0
    ? html`<p class="empty">None.</p>`
    : html`<table><thead><tr><th>Name</th><th>Digest</th><th>Size</th><th>Logged</th></tr></thead><tbody>${run.artifacts.map(
        (artifact) =>
          html`<tr><td>${artifact.name}</td><td><code title="${artifact.digest}">${shortDigest(artifact.digest)}</code></td><td class="num">${formatBytes(artifact.size)}</td><td>${formatDate(artifact.loggedAt)}</td></tr>`,
      )}</tbody></table>`
}
<h2>Checkpoints</h2>
${
  checkpoints.length === 0
    ? html`<p class="empty">None logged.</p>`
    : html`<ul>${checkpoints.map((artifact) => html`<li>${artifact.name}: <code title="${artifact.digest}">${shortDigest(artifact.digest)}</code></li>`)}</ul>`
}
<h2>Lineage</h2>
<p class="lineage">Datasets: ${run.inputs.length === 0 ? 'none recorded' : datasetLinks(request, run.inputs)} → this run → models: ${
    produced.length === 0
      ? 'none registered'
      : produced.map(
          (event) =>
            html`<a class="model-version-link" href="${href(request, `/models/${segment(event.model ?? '')}/versions/${event.version ?? 0}`)}">${event.model}/${event.version}</a> `,
        )
  }</p>
<p><a href="${href(request, '/compare', { run: [run.id] })}">Compare with other runs…</a></p>`;
  return { title: `Run ${name}`, body, section: 'runs' };
}
