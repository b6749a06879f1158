// ksTest, wassersteinDistance and psi against SciPy / NumPy on the same data in the same run.
import { ksTest, psi, wassersteinDistance } from '@mlinfra/drift';
import { normals, pythonPeer, QUICK, ratioLine, timeMs } from './python-peer.js';

const n = QUICK ? 100_000 : 1_000_000;
const runs = QUICK ? 3 : 3;
console.log(
  `statistics on ${n.toLocaleString()} vs ${n.toLocaleString()} float64 values (median of ${runs} runs after a warm-up)`,
);

const reference = normals(n, 0, 1, 1);
const cases = {
  // d is tiny: the p-value comes from the Pelz-Good approximation.
  'no drift': normals(n, 0, 1, 2),
  // d ~ 0.004: the p-value needs the long double-double Smirnov sum (the slow path in both).
  'slight drift': normals(n, 0.01, 1, 3),
  // d large: p underflows to 0 quickly.
  'strong drift': normals(n, 0.3, 1.2, 4),
};

const peer = pythonPeer();
const refPath = peer?.writeFloat64('reference', reference);
for (const [name, current] of Object.entries(cases)) {
  const curPath = peer?.writeFloat64(name.replace(' ', '-'), current);
  let ours = ksTest(reference, current, { method: 'asymp' });
  const oursMs = timeMs(() => {
    ours = ksTest(reference, current, { method: 'asymp' });
  }, runs);
  const theirs = peer?.run<{ ms: number; statistic: number; p: number }>(`
import numpy as np, time, json
from scipy import stats
a = np.fromfile(${JSON.stringify(refPath)}, dtype=np.float64); b = np.fromfile(${JSON.stringify(curPath)}, dtype=np.float64)
r = stats.ks_2samp(a, b, method='asymp')
ts = []
for _ in range(${runs}):
    t = time.perf_counter(); r = stats.ks_2samp(a, b, method='asymp'); ts.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": sorted(ts)[len(ts)//2], "statistic": float(r.statistic), "p": float(r.pvalue)}))
`);
  ratioLine(`ksTest asymp (${name})`, oursMs, theirs?.ms ?? null, 'scipy.stats.ks_2samp');
  if (theirs)
    console.log(
      `  same result: statistic ${ours.statistic} vs ${theirs.statistic}, p ${ours.pValue} vs ${theirs.p}`,
    );
}

const current = cases['slight drift'];
const curPath = peer?.writeFloat64('w', current);
let w = 0;
const wMs = timeMs(() => {
  w = wassersteinDistance(reference, current).statistic;
}, runs);
const wPeer = peer?.run<{ ms: number; value: number }>(`
import numpy as np, time, json
from scipy import stats
a = np.fromfile(${JSON.stringify(refPath)}, dtype=np.float64); b = np.fromfile(${JSON.stringify(curPath)}, dtype=np.float64)
v = stats.wasserstein_distance(a, b)
ts = []
for _ in range(${runs}):
    t = time.perf_counter(); v = stats.wasserstein_distance(a, b); ts.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": sorted(ts)[len(ts)//2], "value": float(v)}))
`);
ratioLine('wassersteinDistance', wMs, wPeer?.ms ?? null, 'scipy.stats.wasserstein_distance');
if (wPeer) console.log(`  same result: ${w} vs ${wPeer.value}`);

let p = 0;
const psiMs = timeMs(() => {
  p = psi(reference, current).statistic;
}, runs);
const psiPeer = peer?.run<{ ms: number; value: number }>(`
import numpy as np, time, json
a = np.fromfile(${JSON.stringify(refPath)}, dtype=np.float64); b = np.fromfile(${JSON.stringify(curPath)}, dtype=np.float64)
def psi(a, b, bins=30):
    # the usual numpy implementation (Evidently's binning: 30 equal-width bins over both samples)
    edges = np.histogram_bin_edges(np.concatenate([a, b]), bins=bins)
    r = np.histogram(a, edges)[0] / len(a); c = np.histogram(b, edges)[0] / len(b)
    def fill(p):  # Evidently's feel_zeroes
        nz = p[p != 0].min(); return np.where(p == 0, nz / 10**6 if nz <= 0.0001 else 0.0001, p)
    r = fill(r); c = fill(c)
    return float(np.sum((r - c) * np.log(r / c)))
v = psi(a, b)
ts = []
for _ in range(${runs}):
    t = time.perf_counter(); v = psi(a, b); ts.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": sorted(ts)[len(ts)//2], "value": v}))
`);
ratioLine('psi (30 bins)', psiMs, psiPeer?.ms ?? null, 'numpy implementation');
if (psiPeer) console.log(`  same result: ${p} vs ${psiPeer.value}`);
peer?.dispose();
