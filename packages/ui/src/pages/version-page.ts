import type { PromotionReport } from '@mlinfra/registry';
import { formatBytes, formatDate, formatNumber, shortDigest } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import { badRequest } from '../http/http-error.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';
import { gateReportTable } from './gate-report.js';
import { approvalBadge, csrfField } from './models-page.js';
import { datasetLinks, statusBadge } from './runs-page.js';

const NOTICES: Record<string, string> = {
  'alias-set': 'Alias set.',
  approved: 'Version approved.',
  rejected: 'Version rejected.',
  promoted: 'Promoted: the gates passed and the alias moved.',
};

/** Parses a version number from the URL. */
export function versionNumber(text: string | undefined): number {
  if (text === undefined || !/^[0-9]{1,15}$/.test(text)) return Number.NaN;
  const version = Number(text);
  return version > 0 ? version : Number.NaN;
}

function actionForms(
  context: UiContext,
  request: PageRequest,
  name: string,
  version: number,
): SafeHtml {
  if (!context.actions) return html``;
  const base = `/models/${segment(name)}/versions/${version}`;
  const login =
    context.auth?.usesTokens === true && request.actor === undefined
      ? html`<p class="notice"><a href="${href(request, '/login', { next: request.url.pathname })}">Log in</a> to make changes.</p>`
      : '';
  const aliases = Object.keys(context.gates[name] ?? {});
  return html`<section class="actions"><h2>Actions</h2>${login}
<form method="post" action="${href(request, `${base}/approval`)}" class="action">${csrfField(request)}
<label>Reason <input type="text" name="reason" maxlength="500"></label>
<button type="submit" name="status" value="approved">Approve</button>
<button type="submit" name="status" value="rejected">Reject</button></form>
<form method="post" action="${href(request, `/models/${segment(name)}/aliases`)}" class="action">${csrfField(request)}
<input type="hidden" name="version" value="${version}">
<label>Alias <input type="text" name="alias" required pattern="[A-Za-z0-9_][A-Za-z0-9._-]*" maxlength="100"></label>
<button type="submit">Set alias to v${version}</button></form>
${aliases.map(
  (alias) =>
    html`<form method="post" action="${href(request, `${base}/promote`)}" class="action">${csrfField(request)}<input type="hidden" name="alias" value="${alias}"><button type="submit">Promote to @${alias} through its gates</button></form>`,
)}
</section>`;
}

/** `/models/<name>/versions/<n>`: signature, evaluation, gate results, lineage and actions. */
export async function versionPage(
  context: UiContext,
  request: PageRequest,
  refused?: PromotionReport,
): Promise<Page> {
  const name = request.params[0] ?? '';
  const number = versionNumber(request.params[1]);
  if (Number.isNaN(number)) {
    throw badRequest(
      `Version must be a whole number >= 1, got ${JSON.stringify(request.params[1])}`,
    );
  }
  const lineage = await context.registry.lineage(name, number);
  const version = lineage.version;
  const gates = context.gates[name] ?? {};
  const reports = await Promise.all(
    Object.entries(gates).map(([alias, list]) =>
      context.registry.promote(name, number, alias, {
        gates: list,
        requireApproval: context.requireApproval,
        dryRun: true,
      }),
    ),
  );
  const sliceNames = Object.keys(version.slices).sort();
  const metricKeys = [
    ...new Set([
      ...Object.keys(version.metrics),
      ...sliceNames.flatMap((slice) => Object.keys(version.slices[slice] ?? {})),
    ]),
  ].sort();
  const notice = NOTICES[request.url.searchParams.get('notice') ?? ''];
  const run = lineage.run;
  const body = html`<h1>Model <a href="${href(request, `/models/${segment(name)}`)}">${name}</a> version ${number} ${approvalBadge(version)}</h1>
${notice === undefined ? '' : html`<p class="notice" role="status">${notice}</p>`}
${
  refused === undefined
    ? ''
    : html`<div class="error" role="alert"><p>Promotion to @${refused.alias} refused: ${refused.failures.length} gate check(s) failed; nothing was changed.</p>${gateReportTable(refused)}</div>`
}
<dl class="facts">
<dt>Aliases</dt><dd>${version.aliases.length === 0 ? 'none' : version.aliases.map((alias) => html`<span class="alias">@${alias}</span> `)}</dd>
<dt>Artifact</dt><dd><code title="${version.artifact}">${shortDigest(version.artifact)}</code> (${formatBytes(version.artifactSize)})</dd>
<dt>Created</dt><dd>${formatDate(version.createdAt)} by ${version.createdBy}</dd>
<dt>Approval</dt><dd>${version.approval.status}${version.approval.by === undefined ? '' : html` by ${version.approval.by}`}${version.approval.reason === undefined ? '' : html`: ${version.approval.reason}`}</dd>
${version.description === undefined ? '' : html`<dt>Description</dt><dd>${version.description}</dd>`}
</dl>
<h2>Lineage</h2>
<ol class="lineage-chain">
<li>Dataset versions: ${lineage.datasets.length === 0 ? 'none recorded' : datasetLinks(request, lineage.datasets)}</li>
<li>Run: ${run === undefined ? 'none recorded' : html`<a class="run-link" href="${href(request, `/runs/${segment(run.id)}`)}">${run.name ?? run.id}</a> ${statusBadge(run.status)}`}</li>
<li>Version: ${name}/${number}</li>
<li>Aliases: ${version.aliases.length === 0 ? 'none' : version.aliases.map((alias) => html`<span class="alias">@${alias}</span> `)}</li>
</ol>
<h2>Evaluation</h2>
${
  metricKeys.length === 0
    ? html`<p class="empty">No evaluation metrics registered.</p>`
    : html`<table class="evaluation"><thead><tr><th>Metric</th><th>overall</th>${sliceNames.map((slice) => html`<th>${slice}</th>`)}</tr></thead><tbody>${metricKeys.map(
        (key) =>
          html`<tr><th>${key}</th><td class="num">${formatNumber(version.metrics[key])}</td>${sliceNames.map((slice) => html`<td class="num">${formatNumber(version.slices[slice]?.[key])}</td>`)}</tr>`,
      )}</tbody></table>`
}
<h2>Gate results</h2>
${reports.length === 0 ? html`<p class="empty">No gates configured for this model (createUi's <code>gates</code> option).</p>` : reports.map((report) => html`<h3>@${report.alias} ${report.failures.length === 0 ? html`<span class="pass">passes</span>` : html`<span class="fail">${report.failures.length} failing</span>`}</h3>${gateReportTable(report)}`)}
<h2>Signature</h2>
${version.signature === undefined ? html`<p class="empty">None registered.</p>` : html`<pre class="json">${JSON.stringify(version.signature, null, 2)}</pre>`}
${Object.keys(version.tags).length === 0 ? '' : html`<h2>Tags</h2><ul>${Object.entries(version.tags).map(([key, value]) => html`<li><span class="tag">${key}=${value}</span></li>`)}</ul>`}
${actionForms(context, request, name, number)}`;
  return {
    title: `${name} v${number}`,
    body,
    section: 'models',
    ...(refused === undefined ? {} : { status: 409 }),
  };
}
