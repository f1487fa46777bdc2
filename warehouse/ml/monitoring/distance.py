"""TFDV's distances between two statistics relations, as one SQL query (the text is ``distance.sql``).

``distances(base, study)`` returns rows ``feature, metric, value`` with ``metric`` 'L_INFTY' (categorical
features) or 'JENSEN_SHANNON_DIVERGENCE' (every feature: categorical over the value counts, numeric
over the re-bucketed histograms). Both inputs are queries returning ``statistics.COLUMNS``.
"""

from __future__ import annotations

from importlib import resources

from sqlglot import exp

from warehouse.ml.sqlexpr import fill

L_INFTY = "L_INFTY"
JSD = "JENSEN_SHANNON_DIVERGENCE"

_SQL = resources.files(__package__).joinpath("distance.sql").read_text()


def distances(base: exp.Query, study: exp.Query) -> exp.Query:
    query = fill(_SQL, base=base.subquery("__base"), study=study.subquery("__study"))
    assert isinstance(query, exp.Query)
    return query
