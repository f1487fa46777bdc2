-- Customer segments: k-means over the numeric customer features (BigQuery ML syntax via dbt_ml's config shape).
-- DuckDB: trained in the warehouse by the project's ML engine; BigQuery: CREATE MODEL runs in BigQuery ML.
-- Score with: SELECT centroid_id, count(*) FROM ML.PREDICT(MODEL ml.customer_segments, TABLE marts.customer_features) GROUP BY 1
{{
    config(
        materialized='model',
        ml_config={
            'model_type': 'kmeans',
            'num_clusters': 5,
            'kmeans_init_method': 'KMEANS++',
            'standardize_features': true,
            'max_iterations': 50,
        },
    )
}}

select
    annual_income,
    spending_score,
    age
from {{ ref('customer_features') }}
