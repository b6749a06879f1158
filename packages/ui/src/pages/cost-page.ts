import {
  type BudgetStatus,
  createBudget,
  formatMoney,
  fromMicros,
  renderReport,
} from '@mlinfra/cost';
import { formatDate, formatNumber } from '../html/format.js';
import { html } from '../html/html.js';
import type { Page, PageRequest, UiContext } from './context.js';

const BUDGET_PREFIX = 'cost/budgets/';

/** The statuses of every budget in the store (each opened at its stored limit, so nothing changes). */
export async function budgetStatuses(context: UiContext): Promise<BudgetStatus[]> {
  const statuses: BudgetStatus[] = [];
  for (const ref of await context.store.refs.list(BUDGET_PREFIX)) {
    const stored = await context.store.refs.get(ref);
    if (stored === undefined) continue;
    let state: { limitMicros?: unknown; currency?: unknown };
    try {
      state = JSON.parse(stored) as typeof state;
    } catch {
      continue;
    }
    if (typeof state.limitMicros !== 'number' || typeof state.currency !== 'string') continue;
    const budget = await createBudget({
      store: context.store,
      name: ref.slice(BUDGET_PREFIX.length),
      limit: fromMicros(state.limitMicros, state.currency),
    });
    statuses.push(await budget.status());
  }
  return statuses;
}

/** `/cost`: budgets with spent and remaining, their charges per resource, and the cost report. */
export async function costPage(context: UiContext, _request: PageRequest): Promise<Page> {
  const statuses = await budgetStatuses(context);
  const body = html`<h1>Cost</h1>
${
  statuses.length === 0
    ? html`<p class="empty">No budgets in this store (createBudget from @mlinfra/cost, or mlinfra train with "budget", creates one).</p>`
    : html`<table class="budgets"><thead><tr><th>Budget</th><th>Period</th><th>Limit</th><th>Spent</th><th>Remaining</th><th>Used</th><th>Charges</th><th>By resource</th><th>Updated</th></tr></thead><tbody>${statuses.map(
        (status) =>
          html`<tr class="${status.exhausted ? 'fail' : ''}"><th class="budget-name">${status.name}</th><td>${status.period}</td><td class="num">${formatMoney(status.limit)}</td><td class="num spent">${formatMoney(status.spent)}</td><td class="num remaining">${formatMoney(status.remaining)}</td><td><meter min="0" max="1" low="0.5" high="0.8" optimum="0" value="${Math.min(1, status.fraction)}">${formatNumber(status.fraction * 100)}%</meter> ${formatNumber(status.fraction * 100)}%</td><td class="num">${status.charges}</td><td>${Object.entries(status.byResource).map(([resource, amount]) => html`<span class="tag">${resource}: ${formatMoney(amount)}</span> `)}</td><td>${formatDate(status.updatedAt)}</td></tr>`,
      )}</tbody></table>
<h2>Cost report</h2>
${statuses.map((status) => html`<pre class="report">${renderReport(status, 'table')}</pre>`)}`
}`;
  return { title: 'Cost', body, section: 'cost' };
}
