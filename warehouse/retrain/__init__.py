"""Retrain, compare, promote only if better: the loop behind ``lakehouse ml retrain MODEL``.

rule.py   the promotion rule, a pure function (metric directions as data)
loop.py   drift check -> challenger from the model's own CREATE MODEL statement -> both evaluated on one
          hold-out -> promote or keep; versions kept as ``<name>__v<N>``; the decision in
          ``ml._retrain_decisions``
"""

from warehouse.retrain.loop import RetrainReport, retrain
from warehouse.retrain.rule import Verdict, decide

__all__ = ["RetrainReport", "Verdict", "decide", "retrain"]
