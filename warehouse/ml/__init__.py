"""BigQuery ML on DuckDB: CREATE MODEL, the ML.* functions and the model registry, one folder per model type.

Layout::

    engine.py          CREATE MODEL / DROP MODEL / ML.<F>(...) for any model type (the SQL front end calls it)
    types.py           the table: MODEL_TYPES (model_type -> ModelType) and FUNCTIONS (model_type -> ML.* -> function)
    model.py           ModelType (a type's parts), TrainingData, Call, Scratch
    options.py         OptionSpec, parse_options, the option groups types share (COMMON, ITERATIVE, SUPERVISED)
    functions.py       the ML functions of every model type (FEATURE_INFO, TRAINING_INFO)
    supervised.py      label, row weight and train/eval split of types that learn a label
    scoring.py         SQL helpers for functions: input encoded as the model's dimensions, ``* EXCLUDE``
    metrics.py         ML.EVALUATE metrics (regression, classification) as SQL aggregates
    registry.py/.sql   ml._models and each model's state tables
    versions.py/.sql   a model's versions and aliases (``default`` serves), promote/rollback, lake snapshots
    sqlexpr.py         quoted identifiers, exact numbers, the DuckDB SQL of built trees
    tuning/            hyperparameter tuning of any tunable type (NUM_TRIALS, HPARAM_RANGE, ML.TRIAL_INFO, trial_id)
    dbt_hook.py        the dbt ``model`` materialization's entry point
    preprocessing/     automatic preprocessing, the TRANSFORM clause, ML.<scaler/encoder> functions
    explain/           what ML.EXPLAIN_PREDICT and ML.GLOBAL_EXPLAIN share across model types (output columns, top-k)
    models/<type>/     one model type: __init__.py (MODEL_TYPE), options.py, train.py, sql.py, functions.py
    models/glm/        a family: the parts LINEAR_REG and LOGISTIC_REG share (no MODEL_TYPE)
    models/trees/      a family: xgboost training and trees compiled to SQL for BOOSTED_TREE_* and RANDOM_FOREST_*
    models/dnn/        a family: Keras (JAX, CPU) training and its weights compiled to SQL for DNN_CLASSIFIER and DNN_REGRESSOR

Adding a model type (say ``BOOSTED_TREE_REGRESSOR``) touches its folder and one row of ``types.py``:

1. ``models/boosted_tree_regressor/options.py``: ``OPTIONS`` (``options.COMMON`` plus the groups it shares
   and its own ``OptionSpec`` rows), ``ROLES`` (or ``supervised.ROLES``) and ``encoding(options)``
   (standardize? dummy-encode?).
2. ``train.py``: ``train(model, data)`` fits on ``data.table`` (the encoded rows; read them as Arrow to hand
   to a library such as xgboost), stores parameters with ``registry.write_state`` (``training_info`` with
   at least ``functions.TRAINING_INFO``'s columns), fills ``model.state`` and ``model.metrics``; and
   ``warm_start(con, previous)`` if it accepts the ``warm_start`` option.
3. ``sql.py``: scoring as sqlglot expressions over the encoded dimensions (a tree becomes nested CASE),
   shared by training's metrics and the functions.
4. ``functions.py``: ``FUNCTIONS = {"PREDICT": predict, ...}``, each a ``Call -> exp.Query``; the generic
   functions (``functions.FUNCTIONS``) come with every type.
5. ``__init__.py``: ``MODEL_TYPE = ModelType(name=..., options=..., roles=..., encoding=..., train=...,
   functions=..., warm_start=...)`` (``materialize=False`` for a type that reads its rows once, as a
   stream: the encoded rows are then a temp view, not a table); then the row
   ``"BOOSTED_TREE_REGRESSOR": boosted_tree_regressor.MODEL_TYPE`` in ``types.MODEL_TYPES``.

Code two types share goes into a family folder (like ``models/glm``) or, when every type may use it, a
generic module here, which never names a model type. A function name the SQL parser does not know yet
also needs its name in ``warehouse.sql.dialect.ML_TABLE_FUNCTIONS`` (tests/warehouse/ml/test_types.py
checks that every function in the table parses).
"""
