import { html, type SafeHtml } from '../html/html.js';
import { href, type PageRequest, segment } from './context.js';

/** One line of a chart: a run's metric, fetched from the data endpoint. */
export interface ChartLine {
  label: string;
  runId: string;
  key: string;
}

/**
 * A chart placeholder that `app.js` fills with uPlot: each line's points come from
 * `/api/runs/<id>/metrics/<key>` (min/max-downsampled to the chart's width, and again for every
 * zoom). With `live`, the chart polls for new points until the run ends.
 */
export function metricChart(
  request: PageRequest,
  title: string,
  lines: readonly ChartLine[],
  live?: { runId: string; pollIntervalMs: number },
): SafeHtml {
  const config = {
    title,
    series: lines.map((line) => ({
      label: line.label,
      src: href(request, `/api/runs/${segment(line.runId)}/metrics/${segment(line.key)}`),
    })),
    ...(live === undefined
      ? {}
      : {
          live: href(request, `/api/runs/${segment(live.runId)}/status`),
          pollIntervalMs: live.pollIntervalMs,
        }),
  };
  return html`<figure class="chart" data-chart="${JSON.stringify(config)}"><figcaption>${title}</figcaption><div class="chart-canvas"></div></figure>`;
}

/** A bar chart of a histogram (`edges.length === counts.length + 1`) or of category counts. */
export function barChart(
  title: string,
  labels: readonly string[],
  counts: readonly number[],
): SafeHtml {
  return html`<figure class="chart bars" data-bars="${JSON.stringify({ title, labels, counts })}"><figcaption>${title}</figcaption><div class="chart-canvas"></div></figure>`;
}
