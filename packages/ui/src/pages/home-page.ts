import { formatDate } from '../html/format.js';
import { html } from '../html/html.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';

/** `/`: experiments and models at a glance. */
export async function homePage(context: UiContext, request: PageRequest): Promise<Page> {
  const experiments = await context.registry.listExperiments();
  const models = await context.registry.listModels({ limit: 20 });
  const body = html`<h1>${context.title}</h1>
<div class="columns"><section><h2>Experiments</h2>${
    experiments.length === 0
      ? html`<p class="empty">No experiments yet.</p>`
      : html`<ul>${experiments.map((experiment) => html`<li><a class="experiment-link" href="${href(request, '/runs', { experiment: experiment.name })}">${experiment.name}</a> <small>${formatDate(experiment.createdAt)}</small></li>`)}</ul>`
  }<p><a href="${href(request, '/runs')}">All runs</a></p></section>
<section><h2>Models</h2>${
    models.models.length === 0
      ? html`<p class="empty">No models yet.</p>`
      : html`<ul>${models.models.map((model) => html`<li><a href="${href(request, `/models/${segment(model.name)}`)}">${model.name}</a> <small>v${model.latestVersion}</small></li>`)}</ul>`
  }</section></div>`;
  return { title: 'Overview', body };
}
