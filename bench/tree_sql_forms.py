"""Issue 15 evidence: SQL forms of boosted-tree scoring timed against xgboost Booster.predict in one run.

Usage: ``T=<threads> [NULLEVERY=97] PYTHONPATH=. python bench/tree_sql_forms.py ROWS TREES FORMS`` with FORMS
a comma list of A (the module's nested CASE over __lo/__hi), A2, A3, B, C, D, E1/E2/E6, G, GD, H, HA<k>, HB1,
Q, Z/ZG/Y (floors). Each line: best of 3 wall seconds, xgboost/ours, max |ours - xgboost| / max(|xgboost|, 1)
and the time of the same query on an empty input (planning). A scratch script: not part of the package.
"""

import json
import os
import sys
import time

import duckdb
import numpy as np
import xgboost as xgb

from warehouse.ml.models.trees import booster as B
from warehouse.ml.models.trees import sql as S

ROWS = int(sys.argv[1])
ROUNDS = int(sys.argv[2])
FORMS = sys.argv[3].split(",")
D = 20

con = duckdb.connect(config={"threads": int(os.environ.get("T", "2"))})
xs = ", ".join(
    f"CASE WHEN hash(i*{j + 3}) % {os.environ.get('NULLEVERY', '97')} = 0 THEN NULL ELSE sin(i * {j + 1}.7 + {j}) * {j + 1} END AS x{j}"
    for j in range(D)
)
con.execute(f"CREATE TABLE t AS SELECT {xs} FROM range({ROWS}) r(i)")
target = " + ".join(f"{(j % 3) - 1}.5 * coalesce(x{j},0) * coalesce(x{(j + 1) % D},1)" for j in range(D))
data = con.execute(f"SELECT *, {target} AS y FROM t").fetchnumpy()
X = np.column_stack(
    [data[f"x{j}"].filled(np.nan) if hasattr(data[f"x{j}"], "filled") else data[f"x{j}"] for j in range(D)]
).astype(np.float32)
y = np.asarray(data["y"])
bst = xgb.train(
    {
        "objective": "reg:squarederror",
        "tree_method": "hist",
        "max_depth": 6,
        "eta": 0.3,
        "seed": 0,
        "base_score": 0.5,
        "nthread": int(os.environ.get("T", "2")),
    },
    xgb.QuantileDMatrix(X[:200000], label=y[:200000]),
    ROUNDS,
)
dm = xgb.DMatrix(X)
ref = bst.predict(dm)
nodes = B.node_table(bst)
forest = S.Forest.from_rows([tuple(r.values()) for r in nodes.to_pylist()], 1)
base = float(json.loads(bst.save_config())["learner"]["learner_model_param"]["base_score"].strip("[]"))


def tp(f, n=3):
    best = 1e9
    for _ in range(n):
        t0 = time.perf_counter()
        r = f()
        best = min(best, time.perf_counter() - t0)
    return best, r


def xpred():
    d = xgb.DMatrix(X)  # a new matrix each time: Booster.predict caches per DMatrix
    t0 = time.perf_counter()
    bst.predict(d)
    return time.perf_counter() - t0


t_x = min(xpred() for _ in range(3))
print(f"rows={ROWS} trees={ROUNDS} xgboost predict {t_x:.3f}s", flush=True)
num = S._number


def F(i):
    return f'"__f{i}"'


floats = ", ".join(f'CAST(x{i} AS FLOAT) AS "__f{i}"' for i in range(D))
bounds = ", ".join(
    f"coalesce(nullif(\"__f{i}\", CAST('NaN' AS FLOAT)), CAST('-inf' AS FLOAT)) AS \"__lo{i}\", coalesce(nullif(\"__f{i}\", CAST('NaN' AS FLOAT)), CAST('inf' AS FLOAT)) AS \"__hi{i}\""
    for i in range(D)
)
BOUNDED = f"(SELECT *, {bounds} FROM (SELECT *, {floats} FROM t))"


def run(name, q):
    try:
        t, r = tp(lambda: con.execute(q).fetchnumpy()["p"])
    except Exception as e:
        print(f"{name}: ERROR {str(e)[:200]}")
        return
    r = np.asarray(r, dtype=np.float64)
    err = np.max(np.abs(r - ref) / np.maximum(np.abs(ref), 1.0))
    t0 = time.perf_counter()
    con.execute(
        q.replace("FROM t)", "FROM (SELECT * FROM t LIMIT 0))").replace(
            "FROM t", "FROM (SELECT * FROM t LIMIT 0)"
        )
    ).fetchall()
    plan = time.perf_counter() - t0
    print(
        f"{name:40s} {t:.3f}s  ratio(xgb/ours)={t_x / t:.3f}  maxrel={err:.2e} plan(empty input)={plan:.3f}s",
        flush=True,
    )


trees = [n for _, n in forest.trees]


def summed(terms):
    return S.sum_sql([num(base), *terms])


# A: current module (nested CASE over lo/hi)
if "A" in FORMS:
    run(
        "A nested CASE lo/hi (current)",
        f"SELECT {summed([S.tree_sql(n) for n in trees])} AS p FROM {BOUNDED}",
    )


# A2: nested CASE with IS NULL OR
def tree_null(nodes, i=0):
    n = nodes[i]
    if n.feature < 0:
        return num(n.value)
    x = F(n.feature)
    c = f"{x} < CAST({num(n.threshold)} AS FLOAT)"
    c = f"({c} OR {x} IS NULL)" if n.missing_yes else f"{c}"
    return f"CASE WHEN {c} THEN {tree_null(nodes, n.yes)} ELSE {tree_null(nodes, n.no)} END"


if "A2" in FORMS:
    run(
        "A2 nested CASE IS NULL OR (nan-less)",
        f"SELECT {summed([tree_null(n) for n in trees])} AS p FROM (SELECT *, {floats} FROM t)",
    )


# A3: threshold as float literal precomputed vs double compare on lo/hi as DOUBLE (not exact in general)
def tree_dbl(nodes, i=0):
    n = nodes[i]
    if n.feature < 0:
        return num(n.value)
    x = f'"{S.bound_name(n.feature, n.missing_yes)}"'
    return (
        f"CASE WHEN {x} < {num(n.threshold)} THEN {tree_dbl(nodes, n.yes)} ELSE {tree_dbl(nodes, n.no)} END"
    )


if "A3" in FORMS:
    bd = ", ".join(
        f"CAST(coalesce(nullif(\"__f{i}\", CAST('NaN' AS FLOAT)), CAST('-inf' AS FLOAT)) AS DOUBLE) AS \"__lo{i}\", CAST(coalesce(nullif(\"__f{i}\", CAST('NaN' AS FLOAT)), CAST('inf' AS FLOAT)) AS DOUBLE) AS \"__hi{i}\""
        for i in range(D)
    )
    run(
        "A3 nested CASE lo/hi as DOUBLE (f32 vals)",
        f"SELECT {summed([tree_dbl(n) for n in trees])} AS p FROM (SELECT *, {bd} FROM (SELECT *, {floats} FROM t))",
    )


# B: flat CASE per tree, AND-ed path conditions
def paths(nodes, i=0, conds=()):
    n = nodes[i]
    if n.feature < 0:
        yield conds, n.value
        return
    x = f'"{S.bound_name(n.feature, n.missing_yes)}"'
    t = f"CAST({num(n.threshold)} AS FLOAT)"
    yield from paths(nodes, n.yes, conds + (f"{x} < {t}",))
    yield from paths(nodes, n.no, conds + (f"{x} >= {t}",))


def tree_flat(nodes):
    ps = list(paths(nodes))
    whens = " ".join(f"WHEN {' AND '.join(c)} THEN {num(v)}" for c, v in ps[:-1])
    return f"CASE {whens} ELSE {num(ps[-1][1])} END"


if "B" in FORMS:
    run("B flat CASE of AND-ed paths", f"SELECT {summed([tree_flat(n) for n in trees])} AS p FROM {BOUNDED}")
# C: level-wise arithmetic, complete trees, list lookups on a per-row list of lo/hi
DEPTH = 6


def complete(nodes):
    """per level lv: lists (feature slot, threshold) for the 2^lv nodes; leaves list of 2^DEPTH values"""
    levels = [[None] * (2**lv) for lv in range(DEPTH)]
    leaves = [None] * (2**DEPTH)

    def walk(i, lv, pos):
        n = nodes[i]
        if n.feature < 0:
            if lv == DEPTH:
                leaves[pos] = n.value
                return
            levels[lv][pos] = (0, float("inf"))  # slot 0 = lo0; lo < inf always (yes), -> left child
            # pad: always go "yes" (left): left = 2*pos
            walk_leaf(n.value, lv + 1, 2 * pos)
            return
        slot = 2 * n.feature + (0 if n.missing_yes else 1)
        levels[lv][pos] = (slot, n.threshold)
        walk(n.yes, lv + 1, 2 * pos)
        walk(n.no, lv + 1, 2 * pos + 1)

    def walk_leaf(v, lv, pos):
        if lv == DEPTH:
            leaves[pos] = v
            return
        levels[lv][pos] = (0, float("inf"))
        walk_leaf(v, lv + 1, 2 * pos)

    walk(0, 0, 0)
    for lv in range(DEPTH):
        levels[lv] = [e if e is not None else (0, float("inf")) for e in levels[lv]]
    leaves = [v if v is not None else 0.0 for v in leaves]
    return levels, leaves


def flt(v):
    return "CAST('inf' AS FLOAT)" if v == float("inf") else f"CAST({num(v)} AS FLOAT)"


if "C" in FORMS or "C2" in FORMS:
    comp = [complete(n) for n in trees]
    xl = "list_value(" + ", ".join(f'"__lo{i}", "__hi{i}"' for i in range(D)) + ") AS __xs"
    q = f"SELECT {xl}, 0 AS __n FROM {BOUNDED}"  # placeholder
    cols = ", ".join(f"0 AS n{t}" for t in range(len(trees)))
    q = (
        "SELECT list_value("
        + ", ".join(f'"__lo{i}", "__hi{i}"' for i in range(D))
        + f") AS __xs, {cols} FROM {BOUNDED}"
    )
    for lv in range(DEPTH):
        upd = []
        for ti, (levels, _) in enumerate(comp):
            sl = "[" + ", ".join(str(s + 1) for s, _ in levels[lv]) + "]"
            th = "[" + ", ".join(flt(th) for _, th in levels[lv]) + "]"
            if lv == 0:
                s, th0 = levels[0][0]
                cmp = f"__xs[{s + 1}] >= {flt(th0)}"
            else:
                cmp = f"__xs[{sl}[n{ti} + 1]] >= {th}[n{ti} + 1]"
            upd.append(f"2 * n{ti} + CAST({cmp} AS INTEGER) AS n{ti}")
        q = f"SELECT __xs, {', '.join(upd)} FROM ({q})"
    terms = ["[" + ", ".join(num(v) for v in leaves) + f"][n{ti} + 1]" for ti, (_, leaves) in enumerate(comp)]
    if "C" in FORMS:
        run("C level arithmetic + list lookups", f"SELECT {summed(terms)} AS p FROM ({q})")


# D: bins per feature by binary-search CASE, trees as nested CASE on bins
def thresholds():
    th = {}
    for n in trees:
        for node in n.values():
            if node.feature >= 0:
                th.setdefault(node.feature, set()).add(node.threshold)
    return {f: sorted(v) for f, v in th.items()}


if "D" in FORMS:
    TH = thresholds()

    def bsearch(x, ts, lo, hi):  # count of ts[lo:hi] <= x, offset lo
        if lo == hi:
            return str(lo)
        mid = (lo + hi) // 2
        return f"CASE WHEN {x} < {flt(ts[mid])} THEN {bsearch(x, ts, lo, mid)} ELSE {bsearch(x, ts, mid + 1, hi)} END"

    # bin = count of thresholds <= x ; x < t_k  <=> bin <= k ; missing: lo-> -1 (yes always), hi -> big
    bins = []
    for f, ts in TH.items():
        b = bsearch(f'"__f{f}"', ts, 0, len(ts))
        bins.append(
            f'CASE WHEN "__f{f}" IS NULL OR isnan("__f{f}") THEN NULL ELSE CAST({b} AS SMALLINT) END AS __b{f}'
        )

    def tree_bin(nodes, i=0):
        n = nodes[i]
        if n.feature < 0:
            return num(n.value)
        k = TH[n.feature].index(n.threshold)
        x = f"__b{n.feature}"
        c = f"({x} <= {k} OR {x} IS NULL)" if n.missing_yes else f"{x} <= {k}"
        return f"CASE WHEN {c} THEN {tree_bin(nodes, n.yes)} ELSE {tree_bin(nodes, n.no)} END"

    run(
        "D bins (binary-search CASE) + CASE on bins",
        f"SELECT {summed([tree_bin(n) for n in trees])} AS p FROM (SELECT {', '.join(bins)} FROM (SELECT {floats} FROM t))",
    )


# E/F: CASE above, branch-free arithmetic (c*a + (1-c)*b, exact for finite leaves) for subtrees of height <= H
def height(nodes, i):
    n = nodes[i]
    return 0 if n.feature < 0 else 1 + max(height(nodes, n.yes), height(nodes, n.no))


def arith(nodes, i):
    n = nodes[i]
    if n.feature < 0:
        return num(n.value)
    x = f'"{S.bound_name(n.feature, n.missing_yes)}"'
    c = f"CAST({x} < CAST({num(n.threshold)} AS FLOAT) AS DOUBLE)"
    return f"({c} * ({arith(nodes, n.yes)}) + (1 - {c}) * ({arith(nodes, n.no)}))"


def hybrid(nodes, H, i=0):
    n = nodes[i]
    if n.feature < 0:
        return num(n.value)
    if height(nodes, i) <= H:
        return arith(nodes, i)
    x = f'"{S.bound_name(n.feature, n.missing_yes)}"'
    return f"CASE WHEN {x} < CAST({num(n.threshold)} AS FLOAT) THEN {hybrid(nodes, H, n.yes)} ELSE {hybrid(nodes, H, n.no)} END"


for H in (1, 2, 6):
    if f"E{H}" in FORMS:
        run(
            f"E{H} CASE + arithmetic below height {H}",
            f"SELECT {summed([hybrid(n, H) for n in trees])} AS p FROM {BOUNDED}",
        )
if "Z" in FORMS:
    run(
        "Z floor: floats+bounds only, sum of 40",
        "SELECT " + " + ".join(f'"__lo{i}" + "__hi{i}"' for i in range(D)) + f" AS p FROM {BOUNDED}",
    )
if "Y" in FORMS:
    run(
        "Y floor: raw doubles, sum of 20",
        "SELECT " + " + ".join(f"coalesce(x{i},0)" for i in range(D)) + " AS p FROM t",
    )
# G: one column per feature, __g = nullif(CAST(x AS FLOAT), NaN); missing goes to ELSE (NULL condition):
# default no: CASE WHEN g < t THEN yes ELSE no; default yes: CASE WHEN g >= t THEN no ELSE yes
GCOLS = ", ".join(f"nullif(CAST(x{i} AS FLOAT), CAST('NaN' AS FLOAT)) AS \"__g{i}\"" for i in range(D))


def tree_g(nodes, i=0):
    n = nodes[i]
    if n.feature < 0:
        return num(n.value)
    x = f'"__g{n.feature}"'
    t = f"CAST({num(n.threshold)} AS FLOAT)"
    if n.missing_yes:
        return f"CASE WHEN {x} >= {t} THEN {tree_g(nodes, n.no)} ELSE {tree_g(nodes, n.yes)} END"
    return f"CASE WHEN {x} < {t} THEN {tree_g(nodes, n.yes)} ELSE {tree_g(nodes, n.no)} END"


if "G" in FORMS:
    run(
        "G one nullif column, NULL -> ELSE",
        f"SELECT {summed([tree_g(n) for n in trees])} AS p FROM (SELECT *, {GCOLS} FROM t)",
    )
if "ZG" in FORMS:
    run(
        "ZG floor of G: sum of 20 __g",
        "SELECT " + " + ".join(f'"__g{i}"' for i in range(D)) + f" AS p FROM (SELECT *, {GCOLS} FROM t)",
    )
# H: G with the sum split over projection layers of 5 trees each
if "H" in FORMS:
    q = f"SELECT *, {GCOLS} FROM t"
    parts = []
    for k in range(0, len(trees), 5):
        q = f"SELECT *, {S.sum_sql([tree_g(n) for n in trees[k : k + 5]])} AS __s{k} FROM ({q})"
        parts.append(f"__s{k}")
    run("H G with 5 trees per projection layer", f"SELECT {summed(parts)} AS p FROM ({q})")
# Gd: G but thresholds as DOUBLE against DOUBLE(g) (cast once) - timing of the comparison type
if "GD" in FORMS:
    GD = ", ".join(
        f"CAST(nullif(CAST(x{i} AS FLOAT), CAST('NaN' AS FLOAT)) AS DOUBLE) AS \"__g{i}\"" for i in range(D)
    )

    def tree_gd(nodes, i=0):
        n = nodes[i]
        if n.feature < 0:
            return num(n.value)
        x = f'"__g{n.feature}"'
        t = num(n.threshold)
        if n.missing_yes:
            return f"CASE WHEN {x} >= {t} THEN {tree_gd(nodes, n.no)} ELSE {tree_gd(nodes, n.yes)} END"
        return f"CASE WHEN {x} < {t} THEN {tree_gd(nodes, n.yes)} ELSE {tree_gd(nodes, n.no)} END"

    run(
        "GD G with float32 values held as DOUBLE",
        f"SELECT {summed([tree_gd(n) for n in trees])} AS p FROM (SELECT *, {GD} FROM t)",
    )
for K in (1, 2, 5, 10):
    if f"HA{K}" in FORMS:
        q = f"SELECT * FROM {BOUNDED}"
        parts = []
        for k in range(0, len(trees), K):
            q = f"SELECT *, {S.sum_sql([S.tree_sql(n) for n in trees[k : k + K]])} AS __s{k} FROM ({q})"
            parts.append(f"__s{k}")
        run(f"HA{K} A with {K} trees per projection layer", f"SELECT {summed(parts)} AS p FROM ({q})")
    if f"HB{K}" in FORMS:  # all trees as separate columns of one projection, summed in the next
        cols = ", ".join(f"{S.tree_sql(n)} AS __s{k}" for k, n in enumerate(trees))
        run(
            "HB columns per tree, one projection",
            f"SELECT {summed([f'__s{k}' for k in range(len(trees))])} AS p FROM (SELECT {cols} FROM {BOUNDED})",
        )


# Q: QuickScorer. Per feature one bin (count of the feature's sorted thresholds <= x; NULL when missing),
# per tree a 64-bit leaf mask = AND over the tree's features of a constant list indexed by that bin;
# the exit leaf is the lowest set bit.
def qs_parts(kind):
    TH = thresholds()
    pos = {f: {t: k for k, t in enumerate(ts)} for f, ts in TH.items()}

    def bsearch(x, ts, lo, hi):
        if lo == hi:
            return str(lo)
        mid = (lo + hi) // 2
        return f"CASE WHEN {x} < {flt(ts[mid])} THEN {bsearch(x, ts, lo, mid)} ELSE {bsearch(x, ts, mid + 1, hi)} END"

    if kind == "case":
        bins = [
            f'CASE WHEN "__g{f}" IS NULL THEN 1 ELSE CAST({bsearch(chr(34) + "__g" + str(f) + chr(34), ts, 0, len(ts))} AS INTEGER) + 2 END AS __b{f}'
            for f, ts in TH.items()
        ]
    terms = []
    ALL = (1 << 64) - 1
    for nodes in trees:
        leaves = []
        masks = {}  # node -> mask

        walk_range = {}

        def rng(i, nodes=nodes, leaves=leaves, walk_range=walk_range, masks=masks):
            n = nodes[i]
            if n.feature < 0:
                leaves.append(n.value)
                walk_range[i] = len(leaves)
                return len(leaves) - 1
            a = rng(n.yes, nodes, leaves, walk_range, masks)
            rng(n.no, nodes, leaves, walk_range, masks)
            walk_range[i] = len(leaves)
            ya, yb = a, walk_range[n.yes]
            masks[i] = ALL & ~(((1 << yb) - 1) ^ ((1 << ya) - 1))
            return a

        rng(0)
        byf = {}
        for i, n in nodes.items():
            if n.feature >= 0:
                byf.setdefault(n.feature, []).append((pos[n.feature][n.threshold], n.missing_yes, masks[i]))
        factors = []
        for f, lst in byf.items():
            nb = len(TH[f])
            miss = ALL
            for _, my, m in lst:
                if not my:
                    miss &= m
            vals = [miss]
            for b in range(nb + 1):
                v = ALL
                for k, _, m in lst:
                    if k < b:
                        v &= m
                vals.append(v)
            factors.append(f"CAST([{', '.join(map(str, vals))}] AS UBIGINT[])[__b{f}]")
        m = " & ".join(factors)
        leafl = "[" + ", ".join(num(v) for v in leaves) + "]"
        terms.append(
            f"{leafl}[bit_count(((__m{len(terms)}) & ((~(__m{len(terms)})) + CAST(1 AS UBIGINT))) - CAST(1 AS UBIGINT)) + 1]"
        )
        terms[-1] = (terms[-1], m)
    return bins, terms


if "Q" in FORMS:
    bins, terms = qs_parts("case")
    ms = ", ".join(f"{m} AS __m{k}" for k, (_, m) in enumerate(terms))
    q = f"SELECT {summed([t for t, _ in terms])} AS p FROM (SELECT {ms} FROM (SELECT {', '.join(bins)} FROM (SELECT {GCOLS} FROM t)))"
    bad = con.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE __m{k} = 0)" for k in range(len(terms)))
        + f" FROM (SELECT {ms} , * FROM (SELECT {', '.join(bins)} FROM (SELECT {GCOLS} FROM t)))"
    ).fetchall()
    print(bad)
    run("Q QuickScorer: bins by binary-search CASE", q)
    run(
        "Qb  bins alone (floor of Q)",
        f"SELECT {' + '.join(b.split(' AS ')[-1] for b in bins)} AS p FROM (SELECT {', '.join(bins)} FROM (SELECT {GCOLS} FROM t))",
    )
# D2: D with each bin twice, missing as -1 (default yes) / 32767 (default no): one comparison per split
if "D2" in FORMS:
    TH2 = thresholds()

    def bsearch2(x, ts, lo, hi):
        if lo == hi:
            return str(lo)
        mid = (lo + hi) // 2
        return (
            f"CASE WHEN {x} < {flt(ts[mid])} THEN {bsearch2(x, ts, lo, mid)} "
            f"ELSE {bsearch2(x, ts, mid + 1, hi)} END"
        )

    bins2 = []
    for f, ts in TH2.items():
        b = f'CASE WHEN "__g{f}" IS NULL THEN NULL ELSE CAST({bsearch2(chr(34) + "__g" + str(f) + chr(34), ts, 0, len(ts))} AS SMALLINT) END'
        bins2.append(f"{b} AS __b{f}")
    outer = ", ".join(
        f"coalesce(__b{f}, CAST(-1 AS SMALLINT)) AS __blo{f}, coalesce(__b{f}, CAST(32767 AS SMALLINT)) AS __bhi{f}"
        for f in TH2
    )

    def tree_bin2(nodes, i=0):
        n = nodes[i]
        if n.feature < 0:
            return num(n.value)
        k = TH2[n.feature].index(n.threshold)
        x = f"__blo{n.feature}" if n.missing_yes else f"__bhi{n.feature}"
        return f"CASE WHEN {x} <= {k} THEN {tree_bin2(nodes, n.yes)} ELSE {tree_bin2(nodes, n.no)} END"

    run(
        "D2 bins lo/hi (binary-search CASE) + CASE",
        f"SELECT {summed([tree_bin2(n) for n in trees])} AS p FROM (SELECT {outer} FROM "
        f"(SELECT {', '.join(bins2)} FROM (SELECT {GCOLS} FROM t)))",
    )
