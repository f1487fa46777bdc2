"""Retrain, compare, promote only if better: the loop behind ``lakehouse ml retrain MODEL``.

rule.py   the promotion rule, a pure function (metric directions as data)
loop.py   drift check -> challenger from the model's own CREATE MODEL statement -> both evaluated on one
          hold-out -> promote or keep; both kept as versions (``warehouse.ml.versions``); the decision in
          ``ml._retrain_decisions``
guard.py  the same rule for dbt's ``model`` materialization (``promote_if_better`` config): the new build is
          the challenger; ``loop.settle`` decides, ``loop.record`` records
histograms.py  base (training statistics) vs study (current rows) histograms per feature
report.py the decision as Vega-Lite specs and one offline HTML page (vendor/: vega, vega-lite, vega-embed)
"""

from warehouse.retrain.loop import RetrainReport, retrain
from warehouse.retrain.rule import Verdict, decide

__all__ = ["RetrainReport", "Verdict", "decide", "retrain"]
