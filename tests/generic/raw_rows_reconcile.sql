{#- Vertical integrity of staging: every raw row is either staged or quarantined, exactly once.
    Fails with the three counts when raw != staged + quarantined. -#}
{% test raw_rows_reconcile(model, raw_relation, quarantine_relation) %}

with

counts as (

    select
        (select count(*) from {{ raw_relation }}) as raw_rows,
        (select count(*) from {{ model }}) as staged_rows,
        (select count(*) from {{ quarantine_relation }}) as quarantined_rows

)

select *
from counts
where raw_rows != staged_rows + quarantined_rows

{% endtest %}
