{#- Incremental order-grained models (DECISIONLOG.md "Incremental builds").

    Raw files are append-only exports: new rows come at the end, so a raw row's file position
    (raw_row_number) tells what is new. An incremental run stages the new rows and re-stages two
    kinds of old ones: rows quarantined for a reason that can pass later (a customer who arrives in
    a later export, a timestamp no longer in the future), and rows whose time lies within
    incremental_lookback_days of the latest staged time (late corrections). Every row a base model
    writes carries staged_at, the start of the run that wrote it; the order-grained models
    downstream replace exactly the keys of the latest staged batch. Anything older that changes in
    place needs a full refresh (`dbt build --full-refresh`). -#}

{#- Where-condition on a raw source: the rows this run (re)stages. Full refresh: every row.
    time_column is a parsed time column of the base model (none: no lookback); revisable_reasons
    the rejection reasons that are re-checked; also_restage an extra condition on the raw row. -#}
{% macro raw_rows_to_stage(time_column=none, revisable_reasons=[], also_restage=none) -%}
    {%- if is_incremental() -%}
    file_row_number > (select coalesce(max(raw_row_number), -1) from {{ this }})
    or file_row_number in (
        select raw_row_number from {{ this }}
        where
            {%- if revisable_reasons %}
            rejection_reason in ('{{ revisable_reasons | join("', '") }}')
            {%- else %}
            false
            {%- endif %}
            {%- if time_column %}
            or {{ time_column }} >= (
                select {{ dbt.dateadd('day', -var('incremental_lookback_days'), 'max(' ~ time_column ~ ')') }}
                from {{ this }}
                where rejection_reason is null
            )
            {%- endif %}
    )
    {%- if also_restage %}
    or {{ also_restage }}
    {%- endif %}
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- A query: the batch's rows with first_row_number, the first raw row (lowest raw_row_number)
    of the row's key among the rows being staged and, in an incremental run, the rows staged
    before with the same key; NULL for a key seen once. A row is a repeat when its raw_row_number
    is above it. -#}
{% macro with_first_row_number(batch, key) -%}
    {%- set keys = [key] if key is string else key -%}
    {%- set key_list = keys | join(', ') -%}
    {#- table models (customers, survey answers) share this macro and are never incremental -#}
    {%- set incremental = config.get('materialized') == 'incremental' and is_incremental() -%}
    {%- set keyed -%}
        select {{ key_list }}, raw_row_number, {{ key_hash(keys) }} as key_hash from {{ batch }}
        {%- if incremental %}
        union all
        select
            {%- for k in keys %}
            staged.{{ k }},
            {%- endfor %}
            staged.raw_row_number,
            {{ key_hash(keys, 'staged') }} as key_hash
        from {{ this }} as staged
        inner join (select distinct {{ key_list }} from {{ batch }}) as batch_keys
            on {% for k in keys %}staged.{{ k }} = batch_keys.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
        where staged.raw_row_number not in (select raw_row_number from {{ batch }})
        {%- endif %}
    {%- endset -%}
select
    batch.*,
    first_rows.first_row_number
from {{ batch }} as batch
left join (
    -- exact first rows, but only for keys whose 64-bit hash repeats: grouping every key by its
    -- text would hold all of them (hundreds of millions at scale); a repeated key always
    -- repeats its hash, and the few hash collisions are sorted out by grouping on the key itself
    select
        {{ key_list }},
        min(raw_row_number) as first_row_number
    from ({{ keyed }}) as keyed
    where key_hash in (
        select key_hash from ({{ keyed }}) as hashed
        group by key_hash
        having count(*) > 1
    )
    group by {{ key_list }}
    having count(*) > 1
) as first_rows
    on {% for k in keys %}batch.{{ k }} = first_rows.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
{%- endmacro %}

{#- A 64-bit hash of one or more key columns (of the relation alias, if given). -#}
{% macro key_hash(columns, alias=none) -%}
    {{ return(adapter.dispatch('key_hash', 'segmart')(columns, alias)) }}
{%- endmacro %}

{% macro default__key_hash(columns, alias) -%}
    hash({% for c in columns %}{{ alias ~ '.' if alias }}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{% macro spark__key_hash(columns, alias) -%}
    xxhash64({% for c in columns %}{{ alias ~ '.' if alias }}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}

{#- A query: the distinct non-NULL values of `column` in the latest batch (newest staged_at) of
    each of the base relations, combined. -#}
{% macro touched_keys(relations, column) -%}
    {%- for relation in relations %}
select distinct {{ column }} from {{ relation }}
where
    staged_at = (select max(staged_at) from {{ relation }})
    and {{ column }} is not null
        {%- if not loop.last %}
union
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- Configs of the incremental models, by engine. DuckDB deletes and re-inserts keys. Plain
    Parquet tables on Spark cannot delete rows (that needs Delta Lake or Iceberg, which the local
    test engine does not have), so there the order-grained models are rebuilt in full on every
    run (is_incremental() is false and every macro here takes its full-refresh branch), and the
    history replaces its as-of date's partition (insert_overwrite). DECISIONLOG.md "Spark". -#}

{#- A base model keyed by raw_row_number (a raw file's rows). -#}
{% macro raw_row_incremental() -%}
    {{ return(adapter.dispatch('raw_row_incremental', 'segmart')()) }}
{%- endmacro %}

{% macro default__raw_row_incremental() -%}
    {{ config(
        materialized='incremental',
        unique_key='raw_row_number',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    ) }}
{%- endmacro %}

{% macro spark__raw_row_incremental() -%}
    {{ config(materialized='table') }}
{%- endmacro %}

{#- The config of an order-grained incremental model: appended to, after its pre-hook
    delete_touched_keys (written in the model) has deleted the rows whose key the latest batch of
    its base models touched; the model's SQL inserts them again, recomputed (it filters with
    is_touched). -#}
{% macro order_grained_incremental() -%}
    {{ return(adapter.dispatch('order_grained_incremental', 'segmart')()) }}
{%- endmacro %}

{% macro default__order_grained_incremental() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    ) }}
{%- endmacro %}

{% macro spark__order_grained_incremental() -%}
    {{ config(materialized='table') }}
{%- endmacro %}

{#- The pre-hook of an order-grained incremental model, written in the model so that the refs of
    its base models resolve when the hook runs:
        pre_hook="{{ delete_touched_keys('order_id', [ref('base_raw__orders')]) }}"
    In an incremental run: the keys the latest batch of those base models touched are saved in a
    temporary table (touched_keys_relation, read by is_touched), and the model's rows with those
    keys are deleted. Nothing in a full refresh (and on Spark, where the model is a table). -#}
{% macro delete_touched_keys(key, relations) -%}
    {%- if is_incremental() -%}
    create or replace temporary table {{ touched_keys_relation() }} as
    {{ touched_keys(relations, key) }};
    delete from {{ this }} where {{ key }} in (select {{ key }} from {{ touched_keys_relation() }})
    {%- endif -%}
{%- endmacro %}

{#- The temporary table of the keys the running model replaces (delete_touched_keys writes it). -#}
{% macro touched_keys_relation() -%}
    {{ return(api.Relation.create(database='temp', schema='main', identifier=this.identifier ~ '__touched_keys')) }}
{%- endmacro %}

{#- A table of snapshots by as_of_date: a build adds or replaces its own date's rows.
    full_refresh=false: past dates cannot be rebuilt from today's data, --full-refresh keeps them. -#}
{% macro as_of_date_incremental() -%}
    {{ return(adapter.dispatch('as_of_date_incremental', 'segmart')()) }}
{%- endmacro %}

{% macro default__as_of_date_incremental() -%}
    {{ config(
        materialized='incremental',
        unique_key='as_of_date',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        full_refresh=false,
    ) }}
{%- endmacro %}

{% macro spark__as_of_date_incremental() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=['as_of_date'],
        file_format='parquet',
        on_schema_change='append_new_columns',
        full_refresh=false,
    ) }}
{%- endmacro %}

{#- Where-condition of an order-grained incremental model: in an incremental run, the row's key
    is among the keys its pre-hook delete_touched_keys deleted; in a full refresh, every row. -#}
{% macro is_touched(key) -%}
    {%- if is_incremental() -%}
    {{ key }} in (select {{ key }} from {{ touched_keys_relation() }})
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}
