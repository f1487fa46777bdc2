"""Preprocessing shared by every model type.

``automatic`` (BigQuery ML's automatic preprocessing: feature statistics, imputation, one-hot,
standardization; the ``Feature`` and ``Dim`` records the registry keeps), ``transform`` (the TRANSFORM
clause, fitted at training and re-applied at scoring), ``functions`` (``ML.STANDARD_SCALER``,
``ML.BUCKETIZE`` ... as SQL, in queries and in TRANSFORM), ``encoders`` (``ML.ONE_HOT_ENCODER``,
``ML.LABEL_ENCODER``), ``struct_functions`` (``ML.POLYNOMIAL_EXPAND``, ``ML.FEATURE_CROSS``).
"""
