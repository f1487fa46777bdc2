"""One folder per model type, each with the same parts (``__init__.py`` with ``MODEL_TYPE``, ``options.py``,
``train.py``, ``sql.py``, ``functions.py``), and family folders (``glm``) for what several types share.

Nothing here is imported except through ``warehouse.ml.types``; the recipe for a new type is in
``warehouse/ml/__init__.py``.
"""
