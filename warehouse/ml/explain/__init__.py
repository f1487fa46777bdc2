"""Explanations of predictions (ML.EXPLAIN_PREDICT) and of models (ML.GLOBAL_EXPLAIN), for every model type.

``output`` holds what the model types share: the parameters, BigQuery's output columns built in SQL from
per-feature attributions, and the stored global explanation that ML.GLOBAL_EXPLAIN reads. Each model
family computes its own attributions (an ``explain`` module in its folder) and hands them over here.
"""
