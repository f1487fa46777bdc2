"""The trees as DuckDB SQL: a node table (``NODES``) compiled to one nested CASE per tree.

Every split compares like xgboost: ``CAST(x AS FLOAT) < threshold`` with the threshold as float32, and
a missing input (NULL or NaN) follows the split's default direction. A tree is a CASE nested as deep as
the tree (<= 20); an output's trees are summed as a balanced, parenthesized tree of additions, so the
expression depth grows with log2(trees) and stays far below DuckDB's ``max_expression_depth`` (1000).
Layers: ``__f<i>`` (the encoded inputs as FLOAT), ``__lo<i>``/``__hi<i>`` (the same with a missing
value as -inf/+inf), ``__m<k>`` (the margin of output k), then for classifiers ``__p<k>`` (sigmoid:
P(higher label); softmax: one per class).

Missing values cost nothing per split: a split whose default is ``yes`` compares ``__lo`` (missing is
-inf, below every threshold), any other compares ``__hi`` (+inf, below none). Measured on 20 trees of
depth 6 (one thread, CPU time): 1.5x faster than ``(x < t OR x IS NULL)`` at every split on inputs with
~1% NULLs per column, the same speed on inputs without NULLs.

Other SQL forms timed against this one (issue 15; DuckDB 1.5.5, 50k to 1M rows x 20, 20 and 100 trees of depth
6, ratios of wall time in the same run on a loaded 2-core machine, by the scratch script
``bench/tree_sql_forms.py`` of commit b1bc44d); none was faster in most runs: the same CASE with ``x IS NULL
OR`` (1.1-1.2x slower), with one NULL-for-NaN column per feature and missing sent to ELSE (0.8-1.5x, slower in
5 of 6 runs), on DOUBLE copies of the float32 values (1.0-1.3x), one flat CASE per tree of AND-ed path
conditions (2.9x), leaves or bottom levels as branch-free arithmetic (1.5x to 11x), trees split over
projection layers (0.8-2.3x), complete-tree leaf-index arithmetic with list lookups (1.1-1.5x), QuickScorer (a
bin per feature by binary-search CASE, 64-bit leaf masks AND-ed from constant lists: 1.3-3.3x at 20 trees,
2.5x at 100) and per-feature bins with each tree as a CASE on small integers (0.9-1.3x; with -1/32767 for a
missing bin instead of ``IS NULL``: 1.06x at 20 trees, 1.13x at 100). The per-feature bins alone cost half to
all of the 20 trees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from warehouse.ml.preprocessing import automatic
from warehouse.ml.registry import Model, read_state
from warehouse.ml.sqlexpr import col, ident, num, paren

#: the node table (state table ``trees``): one row per node; a leaf has feature -1 and its value
NODES = pa.schema(
    [
        ("tree", pa.int32()),
        ("node", pa.int32()),
        ("output", pa.int32()),  # the class (multiclass) this tree adds to, else 0
        ("feature", pa.int32()),  # the model's dimension __x<feature>; -1 for a leaf
        ("threshold", pa.float64()),  # a float32 value: go to ``yes`` when x < threshold
        ("yes", pa.int32()),
        ("no", pa.int32()),
        ("missing_yes", pa.bool_()),  # NULL goes to ``yes``
        ("value", pa.float64()),  # leaf value (times the tree's DART weight)
        ("gain", pa.float64()),
        ("cover", pa.float64()),
    ]
)


@dataclass(frozen=True)
class Node:
    feature: int
    threshold: float
    yes: int
    no: int
    missing_yes: bool
    value: float


@dataclass
class Forest:
    """The trees of a model: per tree, its output and its nodes by id."""

    outputs: int
    trees: list[tuple[int, dict[int, Node]]]

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[Any, ...]], outputs: int) -> Forest:
        by_tree: dict[int, dict[int, Node]] = defaultdict(dict)
        output_of: dict[int, int] = {}
        for tree, node, output, feature, threshold, yes, no, missing_yes, value, _gain, _cover in rows:
            by_tree[tree][node] = Node(feature, threshold, yes, no, missing_yes, value)
            output_of[tree] = output
        return cls(outputs, [(output_of[t], by_tree[t]) for t in sorted(by_tree)])


def load(con: duckdb.DuckDBPyConnection, model: Model) -> Forest:
    return Forest.from_rows(read_state(con, model, "trees", "tree, node"), int(model.state["outputs"]))


def float_name(i: int) -> str:
    return f"__f{i}"


def bound_name(i: int, missing_yes: bool) -> str:
    """The FLOAT column a split on dimension ``i`` compares: missing as -inf (``yes``) or +inf."""
    return f"__lo{i}" if missing_yes else f"__hi{i}"


def _number(value: float) -> str:
    """A DOUBLE literal that reads back bit for bit (scientific notation: DuckDB reads it as DOUBLE)."""
    return f"{value:.17e}"


def tree_sql(nodes: dict[int, Node], i: int = 0) -> str:
    """Node ``i`` of a tree (the root by default) as nested CASE text.

    Generated text, not sqlglot nodes: a forest has tens of thousands of nodes and building, copying
    and printing them as sqlglot trees took seconds per query. The text holds only numbers formatted
    here and the generated column names ``"__lo<i>"``/``"__hi<i>"`` - no user text. A threshold is a
    float32 value, written exactly and cast to FLOAT: the comparison is xgboost's float32 ``x < threshold``.
    """
    node = nodes[i]
    if node.feature < 0:
        return _number(node.value)
    x = f'"{bound_name(node.feature, node.missing_yes)}"'
    test = f"{x} < CAST({_number(node.threshold)} AS FLOAT)"
    return f"CASE WHEN {test} THEN {tree_sql(nodes, node.yes)} ELSE {tree_sql(nodes, node.no)} END"


def sum_sql(terms: list[str]) -> str:
    """Sum of terms as a balanced, parenthesized tree of additions (depth log2(n))."""
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return f"({sum_sql(terms[:middle])}) + ({sum_sql(terms[middle:])})"


def balanced_sum(terms: list[exp.Expr]) -> exp.Expr:
    """Sum of terms as a balanced, parenthesized tree (depth log2(n), whatever prints it)."""
    if not terms:
        return num(0.0)
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return exp.Add(this=paren(balanced_sum(terms[:middle])), expression=paren(balanced_sum(terms[middle:])))


def with_floats(relation: exp.Expr, values: list[exp.Expr]) -> exp.Select:
    """Rows + ``__f<i>``: the encoded dimensions as FLOAT, the type xgboost splits on."""
    floats = [exp.alias_(exp.cast(v, "FLOAT"), ident(float_name(i))) for i, v in enumerate(values)]
    return exp.select("*", *floats).from_(relation)


def _float(text: str) -> exp.Expr:
    return exp.cast(exp.Literal.string(text), "FLOAT")


def with_bounds(rows: exp.Select, dims: int) -> exp.Select:
    """Rows + ``__lo<i>``/``__hi<i>``: ``__f<i>`` with a missing value (NULL or NaN, xgboost's missing)
    as -inf / +inf, so that every split is one comparison (``bound_name``)."""
    bounds = []
    for i in range(dims):
        present = exp.func("nullif", col(float_name(i)), _float("NaN"))  # DuckDB: NaN = NaN
        for missing_yes, fill in ((True, "-inf"), (False, "inf")):
            value = exp.func("coalesce", present.copy(), _float(fill))
            bounds.append(exp.alias_(value, ident(bound_name(i, missing_yes))))
    return exp.select("*", *bounds).from_(rows.subquery("__floats"), copy=False)


def with_margins(rows: exp.Select, forest: Forest, base_margin: list[float]) -> exp.Select:
    """Rows + ``__m<k>``: the base margin plus the sum of output k's trees."""
    margins = []
    for k in range(forest.outputs):
        terms = [tree_sql(nodes) for output, nodes in forest.trees if output == k]
        margin = exp.Var(this=sum_sql([_number(base_margin[k]), *terms]))  # generated text (tree_sql)
        margins.append(exp.alias_(margin, ident(f"__m{k}")))
    return exp.select("*", *margins).from_(rows.subquery("__bounds"), copy=False)


def with_probabilities(rows: exp.Select, outputs: int) -> exp.Select:
    """Rows + ``__p<k>``: sigmoid of ``__m0`` (binary) or the softmax of ``__m0..``."""
    if outputs == 1:
        p = exp.Div(
            this=num(1.0),
            expression=paren(exp.Add(this=num(1.0), expression=exp.func("exp", exp.Neg(this=col("__m0"))))),
        )
        return exp.select("*", exp.alias_(p, ident("__p0"))).from_(rows.subquery("__margins"))
    top = exp.Greatest(this=col("__m0"), expressions=[col(f"__m{k}") for k in range(1, outputs)])
    shifted = exp.select(
        "*",
        *[
            exp.alias_(exp.func("exp", exp.Sub(this=col(f"__m{k}"), expression=top.copy())), ident(f"__e{k}"))
            for k in range(outputs)
        ],
    ).from_(rows.subquery("__margins"))
    total = balanced_sum([col(f"__e{k}") for k in range(outputs)])
    probs = [
        exp.alias_(exp.Div(this=col(f"__e{k}"), expression=paren(total.copy())), ident(f"__p{k}"))
        for k in range(outputs)
    ]
    return exp.select("*", *probs).from_(shifted.subquery("__exps"))


def helper_columns(dims: int, outputs: int, classifier: bool) -> list[str]:
    names = [float_name(i) for i in range(dims)]
    names += [bound_name(i, missing_yes) for i in range(dims) for missing_yes in (True, False)]
    names += [f"__m{k}" for k in range(outputs)]
    if classifier:
        names += [f"__p{k}" for k in range(outputs)]
        if outputs > 1:
            names += [f"__e{k}" for k in range(outputs)]
    return names


def target_encoded(values: list[exp.Expr], mapping: dict[str, list[float]]) -> list[exp.Expr]:
    """TARGET_ENCODING: a label-encoded dimension (index 0..N) replaced by its training mean of the label."""
    out = list(values)
    for i, means in mapping.items():
        table = exp.Array(expressions=[num(m) for m in means])
        index = exp.Add(this=exp.cast(out[int(i)], "INTEGER"), expression=exp.Literal.number(1))
        out[int(i)] = exp.func("list_extract", table, index)
    return out


def input_values(model: Model) -> list[exp.Expr]:
    """The model's dimensions over raw input columns (NULL stays missing; categoricals label-encoded)."""
    values = automatic.encode(model.features, model.dims, standardize=False, impute=False)
    return target_encoded(values, model.state.get("target_encoding", {}))


def scores(model: Model, forest: Forest, relation: exp.Expr, values: list[exp.Expr]) -> exp.Select:
    """Rows of ``relation`` + ``__f*``, ``__lo*``/``__hi*``, ``__m*`` and for classifiers ``__p*``."""
    bounded = with_bounds(with_floats(relation, values), len(values))
    margins = with_margins(bounded, forest, model.state["base_margin"])
    return with_probabilities(margins, forest.outputs) if model.state.get("classes") else margins
