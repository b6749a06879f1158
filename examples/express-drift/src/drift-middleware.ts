import type { DriftReport, Monitor } from '@mlinfra/drift';
import { renderHtmlReport } from '@mlinfra/drift';
import { type NextFunction, type Request, type Response, Router } from 'express';

/** Options of {@link driftMonitor}. */
export interface DriftMonitorOptions {
  /**
   * Picks the row(s) to monitor from a request that was answered successfully (status < 400), e.g.
   * the request body, or the body plus the model's answer. Return undefined to skip the request.
   */
  select(
    request: Request,
    response: Response,
  ): Record<string, unknown> | Array<Record<string, unknown>> | undefined;
  /** Called when a row cannot be observed (wrong type); the request itself is never affected. Default: ignore. */
  onError?(error: unknown): void;
}

/**
 * Express middleware that feeds a drift monitor with the rows of answered requests. It observes
 * after the response has finished, so it adds nothing to the request's latency and an observing
 * error never reaches the client.
 */
export function driftMonitor(monitor: Monitor, options: DriftMonitorOptions) {
  return (request: Request, response: Response, next: NextFunction): void => {
    response.on('finish', () => {
      if (response.statusCode >= 400) return;
      try {
        const rows = options.select(request, response);
        if (rows !== undefined) monitor.observe(rows);
      } catch (error) {
        options.onError?.(error);
      }
    });
    next();
  };
}

/** What the `/drift` routes report, kept up to date by the monitor's `onReport`. */
export class DriftState {
  /** Closed windows' reports, newest last (at most `keep`). */
  readonly reports: DriftReport[] = [];
  constructor(private readonly keep = 50) {}

  /** Pass as the monitor's `onReport`. */
  readonly onReport = (report: DriftReport): void => {
    this.reports.push(report);
    if (this.reports.length > this.keep) this.reports.shift();
  };

  /** The newest closed window's report. */
  get latest(): DriftReport | undefined {
    return this.reports.at(-1);
  }
}

function summary(report: DriftReport) {
  return {
    window: report.window ?? null,
    datasetDrift: report.datasetDrift,
    driftShare: report.driftShare,
    rows: report.currentRows,
    drifted: report.columns.filter((column) => column.drifted).map((column) => column.column),
    columns: report.columns.map((column) => ({
      column: column.column,
      test: column.test,
      statistic: column.statistic,
      pValue: column.pValue,
      drifted: column.drifted,
    })),
  };
}

/**
 * The drift endpoints, to mount under a path of your choice (`app.use('/drift', driftRoutes(...))`):
 * - `GET /` the status: `ok`, `drift` or `collecting` (no window closed yet), the latest window's
 *   per-column results, and how many rows the open window holds;
 * - `GET /report.html` the latest window's HTML report (404 until one closed);
 * - `GET /snapshot` the open window as JSON, to merge replicas with `mergeWindows`;
 * - `POST /flush` closes the open window now and returns its report.
 */
export function driftRoutes(monitor: Monitor, state: DriftState): Router {
  const router = Router();
  router.get('/', (_request, response) => {
    const latest = state.latest;
    response.json({
      status: latest === undefined ? 'collecting' : latest.datasetDrift ? 'drift' : 'ok',
      openWindowRows: monitor.snapshot().profile.rowCount,
      windows: state.reports.length,
      latest: latest === undefined ? null : summary(latest),
    });
  });
  router.get('/report.html', (_request, response) => {
    const latest = state.latest;
    if (latest === undefined) {
      response
        .status(404)
        .json({ error: 'No drift window has closed yet; send traffic or POST /drift/flush' });
      return;
    }
    response
      .type('html')
      .send(renderHtmlReport(latest, { title: 'Drift of live requests vs the training data' }));
  });
  router.get('/snapshot', (_request, response) => {
    response.json(monitor.snapshot());
  });
  router.post('/flush', (_request, response) => {
    const report = monitor.flush();
    response.json(
      report === null
        ? { closed: false, reason: 'the open window held no rows' }
        : { closed: true, ...summary(report) },
    );
  });
  return router;
}
