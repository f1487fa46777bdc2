"""Explanations of predictions (ML.EXPLAIN_PREDICT) and of models (ML.GLOBAL_EXPLAIN), for every model type.

``treeshap`` computes tree ensembles' attributions (exact TreeSHAP or the approximate Saabas method) from
a model's node table; ``output`` holds what the model types share: the parameters, BigQuery's output
columns built in SQL from per-feature attributions, and the stored global explanation that
ML.GLOBAL_EXPLAIN reads. The model families add their own attributions (``models/trees/explain.py``,
``models/glm/explain.py``).
"""
