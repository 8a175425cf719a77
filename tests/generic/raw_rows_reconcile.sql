{#- Vertical integrity of staging: every raw row is either staged or quarantined, exactly once.
    Fails with the three counts when raw != staged + quarantined. The raw rows are the raw
    table's as its base model reads it (raw_source, with `files` = base_raw__files); a table
    landed as a folder of files counts them from base_raw__files (the rows of each file, read from
    its footer when it landed), so the test reads no landed file again. -#}
{% test raw_rows_reconcile(model, raw_table, files, quarantine_relation) %}

with

counts as (

    select
        {% if raw_landed_paths(raw_table) -%}
            (select coalesce(sum(row_count), 0) from {{ files }} where raw_table = '{{ raw_table }}') as raw_rows,
        {%- else -%}
            (select count(*) from {{ raw_source(raw_table, files) }}) as raw_rows,
        {%- endif %}
        (select count(*) from {{ model }}) as staged_rows,
        (select count(*) from {{ quarantine_relation }}) as quarantined_rows

)

select *
from counts
where raw_rows != staged_rows + quarantined_rows

{% endtest %}
