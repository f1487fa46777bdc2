"""The GLM family: the parts LINEAR_REG and LOGISTIC_REG share (a family, not a model type: no MODEL_TYPE).

``options`` (the family's options and encoding), ``train`` (Newton/IRLS and gradient descent on SQL
aggregates, the weights state table, warm start), ``sql`` (scores, losses, gradient and Hessian
aggregates), ``functions`` (scoring input rows with the stored weights, ML.WEIGHTS), ``explain`` (ML.EXPLAIN_PREDICT
from the weights, the global explanation training stores for ML.GLOBAL_EXPLAIN).
"""
