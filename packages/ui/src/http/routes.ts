import type { ServerResponse } from 'node:http';
import { comparePage } from '../pages/compare-page.js';
import type { Page, PageRequest, UiContext } from '../pages/context.js';
import { costPage } from '../pages/cost-page.js';
import { datasetDiffPage } from '../pages/dataset-diff-page.js';
import { datasetVersionPage } from '../pages/dataset-version-page.js';
import { datasetPage, datasetsPage, datasetVersionLocation } from '../pages/datasets-page.js';
import { driftPage } from '../pages/drift-page.js';
import { homePage } from '../pages/home-page.js';
import { modelPage, modelsPage } from '../pages/models-page.js';
import { runPage } from '../pages/run-page.js';
import { runsPage } from '../pages/runs-page.js';
import { versionPage } from '../pages/version-page.js';

/** What a GET route answers: a page, a redirect, or something it wrote itself. */
export type RouteResult = Page | { location: string } | { handled: true };

/** A GET route: a path pattern whose groups become `request.params`. */
export interface Route {
  pattern: RegExp;
  handle(context: UiContext, request: PageRequest, response: ServerResponse): Promise<RouteResult>;
}

const NAME = '([^/]+)';

/** The pages, by stable URL. */
export const PAGE_ROUTES: Route[] = [
  { pattern: /^\/$/, handle: homePage },
  { pattern: /^\/runs$/, handle: runsPage },
  { pattern: new RegExp(`^/runs/${NAME}$`), handle: runPage },
  { pattern: /^\/compare$/, handle: comparePage },
  { pattern: /^\/models$/, handle: modelsPage },
  { pattern: new RegExp(`^/models/${NAME}$`), handle: modelPage },
  {
    pattern: new RegExp(`^/models/${NAME}/versions/${NAME}$`),
    handle: (c, r) => versionPage(c, r),
  },
  { pattern: /^\/datasets$/, handle: datasetsPage },
  { pattern: new RegExp(`^/datasets/${NAME}$`), handle: datasetPage },
  { pattern: new RegExp(`^/datasets/${NAME}/versions/${NAME}$`), handle: datasetVersionPage },
  { pattern: new RegExp(`^/datasets/${NAME}/diff$`), handle: datasetDiffPage },
  {
    pattern: new RegExp(`^/dataset-versions/${NAME}$`),
    handle: async (c, r) => ({ location: await datasetVersionLocation(c, r) }),
  },
  { pattern: /^\/drift$/, handle: driftPage },
  { pattern: /^\/cost$/, handle: costPage },
];
