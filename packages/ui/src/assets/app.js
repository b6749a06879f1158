// @mlinfra/ui browser script: draws the charts of server-rendered pages with uPlot. The pages are
// complete without it (every number is also in a table); this only adds charts, zoom and live updates.
(() => {
  const COLORS = [
    '#2b6cb0',
    '#c53030',
    '#2f855a',
    '#b7791f',
    '#6b46c1',
    '#2c7a7b',
    '#d53f8c',
    '#4a5568',
    '#dd6b20',
    '#38a169',
  ];

  function fetchJson(url) {
    return fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' }).then(
      (response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
        return response.json();
      },
    );
  }

  function withQuery(src, query) {
    const url = new URL(src, window.location.href);
    Object.keys(query).forEach((key) => {
      if (query[key] !== undefined && query[key] !== null)
        url.searchParams.set(key, String(query[key]));
    });
    return url.pathname + url.search;
  }

  // One x array (the union of every series' steps) and one y array per series, null where a
  // series has no point at that step.
  function align(results) {
    if (results.length === 1) return [results[0].steps, results[0].values];
    const steps = [];
    const seen = new Set();
    results.forEach((result) => {
      result.steps.forEach((step) => {
        if (!seen.has(step)) {
          seen.add(step);
          steps.push(step);
        }
      });
    });
    steps.sort((a, b) => a - b);
    const index = new Map();
    steps.forEach((step, position) => {
      index.set(step, position);
    });
    const data = [steps];
    results.forEach((result) => {
      const values = new Array(steps.length).fill(null);
      result.steps.forEach((step, position) => {
        values[index.get(step)] = result.values[position];
      });
      data.push(values);
    });
    return data;
  }

  function lineChart(figure) {
    const config = JSON.parse(figure.getAttribute('data-chart'));
    const target = figure.querySelector('.chart-canvas');
    const width = Math.max(300, target.clientWidth || 600);
    // A long series is read from the registry once (seconds for millions of points), then cached.
    target.textContent = 'Loading…';
    let plot = null;
    let zoomed = null;
    let programmatic = false;
    let timer = null;

    function load(range) {
      const query = { points: Math.round(width * 2) };
      if (range) {
        query.from = Math.floor(range.min);
        query.to = Math.ceil(range.max);
      }
      return Promise.all(config.series.map((series) => fetchJson(withQuery(series.src, query))));
    }

    function show(results, resetScales) {
      const data = align(results);
      const received = results.reduce((sum, result) => sum + result.steps.length, 0);
      figure.setAttribute('data-points', String(received));
      figure.setAttribute(
        'data-total',
        String(results.reduce((sum, result) => sum + result.total, 0)),
      );
      if (plot === null) {
        target.textContent = '';
        plot = new uPlot(
          {
            width: width,
            height: 260,
            scales: { x: { time: false } },
            legend: { live: true },
            cursor: { drag: { x: true, y: false } },
            series: [{ label: 'step' }].concat(
              config.series.map((series, position) => ({
                label: series.label,
                stroke: COLORS[position % COLORS.length],
                width: 1.5,
                spanGaps: false,
              })),
            ),
            hooks: {
              setScale: [
                (chart, key) => {
                  if (key !== 'x' || programmatic) return;
                  const scale = chart.scales.x;
                  // uPlot also sets the scale after drawing new data: only a narrower range is a zoom.
                  const xs = chart.data[0];
                  if (xs.length === 0 || (scale.min <= xs[0] && scale.max >= xs[xs.length - 1]))
                    return;
                  zoomed = { min: scale.min, max: scale.max };
                  clearTimeout(timer);
                  // Zooming asks the server for the visible range at full resolution.
                  timer = setTimeout(() => {
                    load(zoomed).then((next) => {
                      programmatic = true;
                      show(next, false);
                      programmatic = false;
                    });
                  }, 120);
                },
              ],
            },
          },
          data,
          target,
        );
        plot.over.addEventListener('dblclick', () => {
          zoomed = null;
          load(null).then((next) => {
            programmatic = true;
            show(next, true);
            programmatic = false;
          });
        });
      } else {
        plot.setData(data, resetScales);
      }
      figure.setAttribute('data-ready', '1');
    }

    load(null)
      .then((results) => {
        programmatic = true;
        show(results, true);
        programmatic = false;
      })
      .catch((error) => {
        figure.setAttribute('data-error', String(error?.message));
        target.textContent = `Chart data could not be loaded: ${error?.message}`;
      });

    if (config.live) {
      const poll = setInterval(() => {
        fetchJson(config.live)
          .then((status) =>
            load(zoomed).then((results) => {
              programmatic = true;
              show(results, zoomed === null);
              programmatic = false;
              if (status.status !== 'running') {
                clearInterval(poll);
                document.querySelectorAll('.status-running').forEach((badge) => {
                  badge.textContent = status.status;
                  badge.className = `status status-${status.status}`;
                });
              }
            }),
          )
          .catch(() => {
            /* keep polling: the server may be restarting */
          });
      }, config.pollIntervalMs || 2000);
    }
  }

  function barChart(figure) {
    const config = JSON.parse(figure.getAttribute('data-bars'));
    const target = figure.querySelector('.chart-canvas');
    const width = Math.max(260, target.clientWidth || 400);
    const xs = config.labels.map((_, index) => index);
    new uPlot(
      {
        width: width,
        height: 200,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: false, range: [-0.5, xs.length - 0.5] },
          y: { range: (_u, _min, max) => [0, max * 1.05 || 1] },
        },
        axes: [
          {
            values: (_u, splits) =>
              splits.map((split) => {
                // Label every few bars only, so labels never overlap.
                const every = Math.max(
                  1,
                  Math.ceil(config.labels.length / Math.max(1, Math.floor(width / 90))),
                );
                const label = config.labels[Math.round(split)];
                return label === undefined || Math.round(split) !== split || split % every !== 0
                  ? ''
                  : label;
              }),
            size: 40,
          },
          {},
        ],
        series: [
          {},
          {
            label: 'count',
            fill: 'rgba(43,108,176,0.55)',
            stroke: '#2b6cb0',
            paths: uPlot.paths.bars({ size: [0.85, 80] }),
            points: { show: false },
          },
        ],
      },
      [xs, config.counts],
      target,
    );
    figure.setAttribute('data-ready', '1');
  }

  function start() {
    if (typeof uPlot === 'undefined') return;
    document.querySelectorAll('figure[data-chart]').forEach(lineChart);
    document.querySelectorAll('figure[data-bars]').forEach(barChart);
    document.querySelectorAll('input[data-toggle-same]').forEach((input) => {
      input.addEventListener('change', () => {
        document.querySelectorAll('table.diff tr.same').forEach((row) => {
          row.hidden = input.checked;
        });
      });
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
