import type { ModelVersion, RegistryEvent } from '@mlinfra/registry';
import { formatDate, formatNumber } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';

/** The approval label of a version. */
export function approvalBadge(version: ModelVersion): SafeHtml {
  return html`<span class="approval approval-${version.approval.status}" title="${version.approval.reason ?? ''}">${version.approval.status}</span>`;
}

/** Hidden CSRF field of every form. */
export function csrfField(request: PageRequest): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${request.csrf}">`;
}

/**
 * The last `count` audit entries matching `filter`, oldest first. The registry pages its log from
 * the oldest entry, so this walks forward in pages of 10,000 (an indexed range per page).
 */
export async function latestEvents(
  context: UiContext,
  filter: { model?: string; runId?: string },
  count: number,
): Promise<RegistryEvent[]> {
  let kept: RegistryEvent[] = [];
  let afterId = 0;
  for (;;) {
    const page = await context.registry.auditLog({ ...filter, afterId, limit: 10_000 });
    kept = [...kept, ...page].slice(-count);
    if (page.length < 10_000) return kept;
    afterId = page.at(-1)?.id ?? afterId;
  }
}

/** `/models`: every registered model. */
export async function modelsPage(context: UiContext, request: PageRequest): Promise<Page> {
  const pageToken = request.url.searchParams.get('page') ?? undefined;
  const page = await context.registry.listModels({
    limit: 100,
    ...(pageToken === undefined ? {} : { pageToken }),
  });
  const body = html`<h1>Models</h1>
${
  page.models.length === 0
    ? html`<p class="empty">No registered models yet.</p>`
    : html`<table><thead><tr><th>Model</th><th>Latest version</th><th>Aliases</th><th>Updated</th><th>Description</th></tr></thead><tbody>${page.models.map(
        (model) =>
          html`<tr><td><a class="model-link" href="${href(request, `/models/${segment(model.name)}`)}">${model.name}</a></td><td class="num">${model.latestVersion}</td><td>${Object.entries(model.aliases).map(([alias, version]) => html`<span class="alias">@${alias} → v${version}</span> `)}</td><td>${formatDate(model.updatedAt)}</td><td>${model.description ?? ''}</td></tr>`,
      )}</tbody></table>`
}
${page.nextPageToken === undefined ? '' : html`<p class="pager"><a rel="next" href="${href(request, '/models', { page: page.nextPageToken })}">Next page</a></p>`}`;
  return { title: 'Models', body, section: 'models' };
}

/** `/models/<name>`: versions, aliases, approvals, configured gates and the audit log. */
export async function modelPage(context: UiContext, request: PageRequest): Promise<Page> {
  const name = request.params[0] ?? '';
  const model = await context.registry.getModel(name);
  const pageToken = request.url.searchParams.get('page') ?? undefined;
  const versions = await context.registry.listVersions(name, {
    limit: 50,
    ...(pageToken === undefined ? {} : { pageToken }),
  });
  const recent = (await latestEvents(context, { model: name }, 100)).reverse();
  const metricKeys = [
    ...new Set(versions.versions.flatMap((version) => Object.keys(version.metrics))),
  ].sort();
  const gates = context.gates[name] ?? {};
  const gateAliases = Object.keys(gates);
  // Each version's gate results per configured alias (dry runs: nothing moves).
  const verdicts = await Promise.all(
    versions.versions.map((version) =>
      Promise.all(
        gateAliases.map((alias) =>
          context.registry.promote(name, version.version, alias, {
            gates: gates[alias] ?? [],
            requireApproval: context.requireApproval,
            dryRun: true,
          }),
        ),
      ),
    ),
  );
  const body = html`<h1>Model <span class="model-name">${model.name}</span></h1>
${model.description === undefined ? '' : html`<p>${model.description}</p>`}
<h2>Aliases</h2>
${
  Object.keys(model.aliases).length === 0
    ? html`<p class="empty">No aliases.</p>`
    : html`<ul class="aliases">${Object.entries(model.aliases).map(
        ([alias, version]) =>
          html`<li><span class="alias">@${alias}</span> → <a href="${href(request, `/models/${segment(name)}/versions/${version}`)}">version ${version}</a></li>`,
      )}</ul>`
}
${Object.keys(gates).length === 0 ? '' : html`<p>Gates configured for: ${Object.keys(gates).map((alias) => html`<span class="alias">@${alias}</span> `)}</p>`}
<h2>Versions</h2>
<table class="versions"><thead><tr><th>Version</th><th>Created</th><th>Approval</th><th>Aliases</th><th>Run</th>${metricKeys.map((key) => html`<th>${key}</th>`)}${gateAliases.map((alias) => html`<th>Gates @${alias}</th>`)}</tr></thead><tbody>${versions.versions.map(
    (version, position) =>
      html`<tr><td><a class="version-link" href="${href(request, `/models/${segment(name)}/versions/${version.version}`)}">v${version.version}</a></td><td>${formatDate(version.createdAt)}</td><td>${approvalBadge(version)}</td><td>${version.aliases.map((alias) => html`<span class="alias">@${alias}</span> `)}</td><td>${version.runId === undefined ? '–' : html`<a href="${href(request, `/runs/${segment(version.runId)}`)}">${version.runId.slice(0, 8)}</a>`}</td>${metricKeys.map((key) => html`<td class="num">${formatNumber(version.metrics[key])}</td>`)}${(verdicts[position] ?? []).map((report) => (report.failures.length === 0 ? html`<td class="pass">pass</td>` : html`<td class="fail" title="${report.failures.map((check) => `${check.slice ?? 'overall'}: ${check.reason}`).join('\n')}">${report.failures.length} failing</td>`))}</tr>`,
  )}</tbody></table>
${versions.nextPageToken === undefined ? '' : html`<p class="pager"><a rel="next" href="${href(request, `/models/${segment(name)}`, { page: versions.nextPageToken })}">Older versions</a></p>`}
<h2>Audit log</h2>
<table class="audit"><thead><tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Version</th><th>Alias</th><th>Details</th></tr></thead><tbody>${recent.map(
    (event) =>
      html`<tr><td class="num">${event.id}</td><td class="nowrap">${formatDate(event.at)}</td><td class="actor">${event.actor}</td><td>${event.action}</td><td>${event.version ?? ''}</td><td>${event.alias ?? ''}</td><td><code>${JSON.stringify(event.details)}</code></td></tr>`,
  )}</tbody></table>`;
  return { title: `Model ${name}`, body, section: 'models' };
}
