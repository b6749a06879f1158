// detectDrift over 100,000 rows x 50 columns (40 numeric, 10 categorical), against the SciPy
// loop Evidently runs per column (normed wasserstein_distance / jensenshannon) on the same data.
import { detectDrift, profile } from '@mlinfra/drift';
import { normals, pythonPeer, QUICK, ratioLine, seeded, timeMs } from './python-peer.js';

const rows = QUICK ? 20_000 : 100_000;
const numericColumns = 40;
const categoricalColumns = 10;
const categories = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
console.log(
  `detectDrift on ${rows.toLocaleString()} rows x ${numericColumns + categoricalColumns} columns per side`,
);

function makeColumns(seed: number, shift: number) {
  const columns: Record<string, Float64Array | string[]> = {};
  const codes: Record<string, Float64Array> = {};
  for (let c = 0; c < numericColumns; c++)
    columns[`num${c}`] = normals(rows, c % 7 === 0 ? shift : 0, 1 + (c % 3), seed * 100 + c);
  const u = seeded(seed);
  for (let c = 0; c < categoricalColumns; c++) {
    const code = new Float64Array(rows);
    const skew = c % 3 === 0 ? shift : 0;
    for (let i = 0; i < rows; i++)
      code[i] = Math.min(categories.length - 1, Math.floor(u() ** (1 + skew) * categories.length));
    codes[`cat${c}`] = code;
    columns[`cat${c}`] = Array.from(code, (k) => categories[k] as string);
  }
  return { columns, codes };
}

const reference = makeColumns(1, 0);
const current = makeColumns(2, 0.3);
const asRows = Array.from({ length: rows }, (_, i) => {
  const row: Record<string, number | string> = {};
  for (const [name, values] of Object.entries(current.columns))
    row[name] = values[i] as number | string;
  return row;
});

let report = detectDrift(reference.columns, current.columns);
const columnsMs = timeMs(() => {
  report = detectDrift(reference.columns, current.columns);
}, 1);
const rowsMs = timeMs(() => detectDrift(reference.columns, asRows), 1);
const referenceProfile = profile(reference.columns);
const profileMs = timeMs(() => detectDrift(referenceProfile, current.columns), 1);

const peer = pythonPeer();
let peerMs: number | null = null;
if (peer) {
  const files: string[] = [];
  for (const side of ['reference', 'current'] as const) {
    const data = side === 'reference' ? reference : current;
    for (let c = 0; c < numericColumns; c++)
      files.push(peer.writeFloat64(`${side}-num${c}`, data.columns[`num${c}`] as Float64Array));
    for (let c = 0; c < categoricalColumns; c++)
      files.push(peer.writeFloat64(`${side}-cat${c}`, data.codes[`cat${c}`] as Float64Array));
  }
  const result = peer.run<{ ms: number; drifted: number }>(`
import numpy as np, time, json
from scipy import stats
from scipy.spatial import distance
load = lambda side, name: np.fromfile(f"{side}-{name}.f64", dtype=np.float64)
ref = {f"num{c}": load("reference", f"num{c}") for c in range(${numericColumns})}
ref.update({f"cat{c}": load("reference", f"cat{c}") for c in range(${categoricalColumns})})
cur = {f"num{c}": load("current", f"num{c}") for c in range(${numericColumns})}
cur.update({f"cat{c}": load("current", f"cat{c}") for c in range(${categoricalColumns})})
def run():
    drifted = 0
    for name in ref:
        a, b = ref[name], cur[name]
        if name.startswith("num"):
            d = stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)
        else:
            keys = np.union1d(np.unique(a), np.unique(b))
            ra = np.array([np.sum(a == k) for k in keys]) / len(a)
            cb = np.array([np.sum(b == k) for k in keys]) / len(b)
            d = distance.jensenshannon(ra, cb)
        drifted += d >= 0.1
    return int(drifted)
t = time.perf_counter(); drifted = run(); ms = (time.perf_counter() - t) * 1000
print(json.dumps({"ms": ms, "drifted": drifted}))
`);
  peerMs = result?.ms ?? null;
  if (result)
    console.log(
      `  drifted columns: ${report.driftedColumns} (ours) vs ${result.drifted} (SciPy loop)`,
    );
  peer.dispose();
}
ratioLine(
  'detectDrift, column arrays',
  columnsMs,
  peerMs,
  "SciPy per-column loop (Evidently's measures)",
);
ratioLine('detectDrift, row objects', rowsMs, peerMs, 'SciPy per-column loop');
ratioLine(
  'detectDrift, reference profile vs column arrays',
  profileMs,
  peerMs,
  'SciPy per-column loop',
);
console.log(
  `target: under 2000 ms for 100,000 x 50 -> column arrays ${columnsMs < 2000 ? 'met' : 'missed'} (${(2000 / columnsMs).toFixed(2)}x headroom), row objects ${rowsMs < 2000 ? 'met' : 'missed'} (${(2000 / rowsMs).toFixed(2)}x)`,
);
