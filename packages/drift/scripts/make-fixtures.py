#!/usr/bin/env python3
"""Reference values for @mlinfra/drift, computed with SciPy/NumPy.

Run from the package folder:  python3 scripts/make-fixtures.py
(Debian: apt-get install -y python3-scipy). Writes src/__fixtures__/*.json, which are committed;
the tests compare against them with 1e-9 relative tolerance and need no Python.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance
from scipy import special

warnings.simplefilter("ignore")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "__fixtures__")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20240611)


def r(x, nd=None):
    """Round-trippable floats; numbers given to 6 decimals keep fixtures small and exact in JSON."""
    a = np.asarray(x, dtype=float)
    if nd is not None:
        a = np.round(a, nd)
    return [float(v) for v in a]


def f(x):
    x = float(x)
    if math.isnan(x):
        return None
    return x


# ---- two-sample numeric cases -------------------------------------------------------------
cases = {}
cases["normal-shift"] = (rng.normal(0, 1, 100), rng.normal(0.4, 1.2, 120))
cases["same-distribution"] = (rng.normal(5, 2, 200), rng.normal(5, 2, 200))
cases["ties-integers"] = (rng.integers(0, 6, 150).astype(float), rng.integers(1, 7, 90).astype(float))
cases["tiny-n5"] = (rng.normal(0, 1, 5), rng.normal(1, 1, 5))
cases["tiny-n5-n7"] = (rng.normal(0, 1, 5), rng.normal(0.5, 1, 7))
cases["constant-vs-constant"] = (np.full(20, 3.0), np.full(25, 4.0))
cases["constant-vs-varied"] = (np.full(30, 1.0), rng.normal(1, 0.1, 30))
cases["disjoint"] = (rng.uniform(0, 1, 60), rng.uniform(2, 3, 40))
cases["heavy-skew-lognormal"] = (rng.lognormal(0, 2.5, 400), rng.lognormal(0.3, 2.5, 350))
cases["heavy-skew-pareto"] = (rng.pareto(1.1, 300) + 1, rng.pareto(0.9, 310) + 1)
cases["unequal-exact"] = (rng.normal(0, 1, 300), rng.normal(0.1, 1, 170))
cases["large-asymp"] = (rng.normal(0, 1, 12000), rng.normal(0.02, 1, 11000))
cases["large-asymp-drift"] = (rng.normal(0, 1, 15000), rng.normal(0.1, 1.05, 20000))
cases["small-exact-cvm"] = (rng.normal(0, 1, 12), rng.normal(0.8, 1, 9))

numeric = []
for name, (a, b) in cases.items():
    a = np.asarray(r(a, 6))
    b = np.asarray(r(b, 6))
    entry = {"name": name, "reference": r(a), "current": r(b)}
    ks = {}
    for method in ["auto", "exact", "asymp"]:
        res = stats.ks_2samp(a, b, method=method)
        ks[method] = {"statistic": f(res.statistic), "pValue": f(res.pvalue)}
    entry["ks"] = ks
    entry["wasserstein"] = f(stats.wasserstein_distance(a, b))
    entry["normedWasserstein"] = f(stats.wasserstein_distance(a, b) / max(np.std(a), 0.001))
    if len(np.unique(np.concatenate([a, b]))) > 1:
        ad = stats.anderson_ksamp([a, b])
        entry["andersonDarling"] = {"statistic": f(ad.statistic), "pValue": f(ad.pvalue)}
    cvm = {}
    for method in ["auto", "asymptotic"] + (["exact"] if max(len(a), len(b)) <= 20 else []):
        res = stats.cramervonmises_2samp(a, b, method=method)
        cvm[method] = {"statistic": f(res.statistic), "pValue": f(res.pvalue)}
    entry["cramerVonMises"] = cvm
    mwu = {}
    for method in ["auto", "asymptotic"]:
        res = stats.mannwhitneyu(a, b, method=method)
        mwu[method] = {"statistic": f(res.statistic), "pValue": f(res.pvalue)}
    entry["mannWhitneyU"] = mwu
    numeric.append(entry)

# ---- binned measures, Evidently's rule ----------------------------------------------------
def binned(a, b, bins=30):
    if len(np.unique(a)) > 20:
        edges = np.histogram_bin_edges(np.concatenate([a, b]), bins=bins)
        ra = np.histogram(a, edges)[0] / len(a)
        cb = np.histogram(b, edges)[0] / len(b)
    else:
        keys = sorted(set(a.tolist()) | set(b.tolist()))
        ra = np.array([np.sum(a == k) for k in keys]) / len(a)
        cb = np.array([np.sum(b == k) for k in keys]) / len(b)
    return ra.astype(float), cb.astype(float)


def fill(p):
    p = p.copy()
    nz = p[p != 0]
    v = nz.min() / 10**6 if nz.min() <= 0.0001 else 0.0001
    np.place(p, p == 0, v)
    return p


for entry in numeric:
    a = np.asarray(entry["reference"])
    b = np.asarray(entry["current"])
    ra, cb = binned(a, b)
    fr, fc = fill(ra), fill(cb)
    entry["psi"] = f(np.sum((fr - fc) * np.log(fr / fc)))
    entry["kl"] = f(stats.entropy(fr, fc))
    entry["jensenShannon"] = f(distance.jensenshannon(ra, cb))
    entry["hellinger"] = f(np.sqrt(np.sum((np.sqrt(ra) - np.sqrt(cb)) ** 2)) / np.sqrt(2))

with open(os.path.join(OUT, "numeric.json"), "w") as fh:
    json.dump({"scipy": scipy.__version__, "numpy": np.__version__, "cases": numeric}, fh)

# ---- categorical ---------------------------------------------------------------------------
cat_cases = {
    "three-categories": (list(rng.choice(["a", "b", "c"], 200, p=[0.5, 0.3, 0.2])), list(rng.choice(["a", "b", "c"], 150, p=[0.4, 0.3, 0.3]))),
    "one-sided-categories": (list(rng.choice(["red", "green"], 80)), list(rng.choice(["red", "green", "blue"], 60))),
    "single-category": (["x"] * 10, ["x"] * 12),
    "tiny-n5": (["a", "b", "a", "c", "a"], ["b", "b", "c", "c", "a"]),
    "disjoint-categories": (["a"] * 30 + ["b"] * 20, ["c"] * 25 + ["d"] * 25),
    "skewed-many": (list(rng.choice([f"k{i}" for i in range(12)], 1000, p=np.array([2.0**-i for i in range(12)]) / sum(2.0**-i for i in range(12)))),
                     list(rng.choice([f"k{i}" for i in range(12)], 900))),
}
categorical = []
for name, (a, b) in cat_cases.items():
    a = [str(x) for x in a]
    b = [str(x) for x in b]
    keys = list(dict.fromkeys(a + b))
    table = np.array([[a.count(k) for k in keys], [b.count(k) for k in keys]])
    if len(keys) > 1:
        chi = stats.chi2_contingency(table, correction=False)
        chi_r = {"statistic": f(chi.statistic), "pValue": f(chi.pvalue), "dof": int(chi.dof)}
    else:
        chi_r = {"statistic": 0.0, "pValue": 1.0, "dof": 0}
    ra = table[0] / len(a)
    cb = table[1] / len(b)
    fr, fc = fill(ra.astype(float)), fill(cb.astype(float))
    categorical.append({
        "name": name, "reference": a, "current": b, "chiSquare": chi_r,
        "psi": f(np.sum((fr - fc) * np.log(fr / fc))),
        "kl": f(stats.entropy(fr, fc)),
        "jensenShannon": f(distance.jensenshannon(ra, cb)),
        "hellinger": f(np.sqrt(np.sum((np.sqrt(ra) - np.sqrt(cb)) ** 2)) / np.sqrt(2)),
    })
with open(os.path.join(OUT, "categorical.json"), "w") as fh:
    json.dump({"cases": categorical}, fh)

# ---- two-proportion z-test -----------------------------------------------------------------
z_cases = []
for s1, n1, s2, n2 in [(30, 100, 45, 100), (5, 5, 0, 5), (500, 1000, 520, 1000), (1, 2000, 90, 2100), (0, 50, 0, 60), (7, 7, 9, 9), (123, 456, 321, 654)]:
    p1, p2 = s1 / n1, s2 / n2
    P = (s1 + s2) / (n1 + n2)
    var = P * (1 - P) * (1 / n1 + 1 / n2)
    if var == 0:
        z, p = 0.0, 1.0
    else:
        z = (p1 - p2) / np.sqrt(var)
        p = min(1.0, 2 * stats.norm.sf(abs(z)))
    z_cases.append({"reference": [s1, n1], "current": [s2, n2], "statistic": f(z), "pValue": f(p)})
with open(os.path.join(OUT, "z-test.json"), "w") as fh:
    json.dump({"cases": z_cases}, fh)

# ---- special functions ---------------------------------------------------------------------
kol = []
for n in [1, 2, 5, 10, 50, 100, 140, 141, 500, 1000, 5000, 20000, 100000, 100001, 500000, 2000000]:
    for x in [0.0001, 0.001, 0.003, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.45, 0.5, 0.7, 0.99]:
        if n == 500000 and x not in (0.003, 0.01, 0.1, 0.5):
            continue  # each costs about a second in SciPy and here; two cover the long summation
        kol.append({"n": n, "x": x, "kstwoSf": f(stats.kstwo.sf(x, n)), "smirnov": f(special.smirnov(n, x))})
chi = []
for x, df in [(0.5, 1), (3.2, 2), (10, 3), (50, 10), (200, 150), (1e-3, 4), (80, 5), (1500, 1200), (9, 9)]:
    chi.append({"x": x, "df": df, "sf": f(stats.chi2.sf(x, df))})
norm = [{"z": z, "sf": f(stats.norm.sf(z))} for z in [-3, -0.5, 0, 0.1, 1, 1.96, 3.5, 6, 9, 20]]
bessel = [{"x": x, "k": f(special.kv(0.25, x))} for x in [0.01, 0.3, 1, 1.99, 2, 3.5, 10, 40, 300]]
with open(os.path.join(OUT, "special.json"), "w") as fh:
    json.dump({"kolmogorov": kol, "chiSquare": chi, "normal": norm, "besselK025": bessel}, fh)

# ---- multiple testing (reference formulas of statsmodels' bonferroni / fdr_bh) ----------------
pv = np.array([0.01, 0.04, 0.03, 0.005, 0.2, 0.9, 0.04, 0.0001])
m = len(pv)
bonf = np.minimum(1, pv * m)
order = np.argsort(pv)
ranked = pv[order] * m / np.arange(1, m + 1)
bh_sorted = np.minimum(1, np.minimum.accumulate(ranked[::-1])[::-1])
bh = np.empty(m)
bh[order] = bh_sorted
with open(os.path.join(OUT, "multiple-testing.json"), "w") as fh:
    json.dump({"pValues": r(pv), "bonferroni": r(bonf), "benjaminiHochberg": r(bh)}, fh)

# ---- NaN / null policy: nan_policy='omit' equals dropping missing values ---------------------
a = np.array(r(rng.normal(0, 1, 80), 6))
b = np.array(r(rng.normal(0.3, 1, 70), 6))
a_nan = a.copy(); a_nan[[3, 17, 40]] = np.nan
b_nan = b.copy(); b_nan[[0, 69]] = np.nan
res = stats.ks_2samp(a_nan, b_nan, nan_policy="omit")
with open(os.path.join(OUT, "missing.json"), "w") as fh:
    json.dump({
        "reference": [None if math.isnan(v) else float(v) for v in a_nan],
        "current": [None if math.isnan(v) else float(v) for v in b_nan],
        "ks": {"statistic": f(res.statistic), "pValue": f(res.pvalue)},
    }, fh)
print("wrote fixtures to", os.path.normpath(OUT), file=sys.stderr)
