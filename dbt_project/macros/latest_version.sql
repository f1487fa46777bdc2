{#
  The lake keeps every landed version of a record (append ingests, re-delivered files). Staging keeps the
  latest: this subquery numbers each key's versions newest first (by ingestion time, then source position) as
  `version_rank`; the caller filters `version_rank = 1`. Rows without a key are left to the quarantine rules.
#}
{% macro latest_version(relation, key) -%}
    select
        versions.*,
        row_number() over (
            partition by versions.{{ key }}
            order by versions._ingested_at desc, versions._source_uri desc, versions._source_line desc
        ) as version_rank
    from {{ relation }} as versions
    where versions.{{ key }} is not null
{%- endmacro %}
