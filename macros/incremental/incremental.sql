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
    Parquet tables on Spark cannot delete rows (that needs Delta Lake or Iceberg), so there the
    models are partitioned Parquet tables and a run replaces whole partitions (insert_overwrite
    with dynamic partition overwrite: partitions the run writes no row to are kept as they are).
    The partition scheme (DECISIONLOG.md "Spark"):
    - base models by staged_at, the run that staged the row: a run's restaged rows all go to its
      own new partition, and the older partitions that held their previous copies are rewritten
      without them (restaged rows are the newest batches' rows: lookback, re-checked quarantine);
    - order-grained models by their date's month (order_month, purchase_month: month_start of
      order_date, purchase_date; a day each would be ~1,800 partitions on five years, which
      the metastore pays for on every full build): a run rewrites the months where the
      recomputed rows of the touched keys differ from the stored ones.
    Either way the run's SELECT is completed to whole partitions by get_insert_overwrite_sql
    below (the partitions' untouched rows are copied), and partitions left without any row are
    dropped by the post-hook drop_emptied_partitions. -#}

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
    {{ partitions_replaced_incremental('raw_row_number', 'staged_at') }}
{%- endmacro %}

{#- The config of an order-grained incremental model: appended to, after its pre-hook
    delete_touched_keys (written in the model) has deleted the rows whose key the latest batch of
    its base models touched; the model's SQL inserts them again, recomputed (it filters with
    is_touched). -#}
{% macro order_grained_incremental(key, partition_column) -%}
    {{ return(adapter.dispatch('order_grained_incremental', 'segmart')(key, partition_column)) }}
{%- endmacro %}

{#- key and partition_column: the model's key (as in its pre-hook) and its month column that
    Spark partitions by (unused on DuckDB). -#}
{% macro default__order_grained_incremental(key, partition_column) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    ) }}
{%- endmacro %}

{% macro spark__order_grained_incremental(key, partition_column) -%}
    {{ partitions_replaced_incremental(key, partition_column, keys_from='touched_keys') }}
{%- endmacro %}

{#- The pre-hook of an order-grained incremental model, written in the model so that the refs of
    its base models resolve when the hook runs:
        pre_hook="{{ delete_touched_keys('order_id', [ref('base_raw__orders')]) }}"
    In an incremental run: the keys the latest batch of those base models touched are saved in a
    temporary table (touched_keys_relation, read by is_touched), and the model's rows with those
    keys are deleted (on Spark: a temporary view, and nothing is deleted: the run replaces whole
    partitions instead). Nothing in a full refresh. -#}
{% macro delete_touched_keys(key, relations) -%}
    {{ return(adapter.dispatch('delete_touched_keys', 'segmart')(key, relations)) }}
{%- endmacro %}

{% macro default__delete_touched_keys(key, relations) -%}
    {%- if is_incremental() -%}
    create or replace temporary table {{ touched_keys_relation() }} as
    {{ touched_keys(relations, key) }};
    delete from {{ this }} where {{ key }} in (select {{ key }} from {{ touched_keys_relation() }})
    {%- endif -%}
{%- endmacro %}

{% macro spark__delete_touched_keys(key, relations) -%}
    {%- if is_incremental() -%}
    create or replace temporary view {{ touched_keys_relation() }} as
    {{ touched_keys(relations, key) }}
    {%- endif -%}
{%- endmacro %}

{#- The temporary table of the keys the running model replaces (delete_touched_keys writes it). -#}
{% macro touched_keys_relation() -%}
    {{ return(adapter.dispatch('touched_keys_relation', 'segmart')()) }}
{%- endmacro %}

{% macro default__touched_keys_relation() -%}
    {{ return(api.Relation.create(database='temp', schema='main', identifier=this.identifier ~ '__touched_keys')) }}
{%- endmacro %}

{#- A session's temporary view has neither catalog nor schema. -#}
{% macro spark__touched_keys_relation() -%}
    {{ return(api.Relation.create(identifier=this.identifier ~ '__touched_keys').include(database=false, schema=false)) }}
{%- endmacro %}

{#- A table of snapshots by a date column (date_column, default as_of_date): a build adds or
    replaces its own date's rows. full_refresh=false: past dates cannot be rebuilt from today's
    data, --full-refresh keeps them. customer_segment_history (by as_of_date) and the history of
    wallet peer quantile fits (int_wallet_peer_quantiles_fitted, by fitted_as_of). -#}
{% macro as_of_date_incremental(date_column='as_of_date') -%}
    {{ return(adapter.dispatch('as_of_date_incremental', 'segmart')(date_column)) }}
{%- endmacro %}

{% macro default__as_of_date_incremental(date_column) -%}
    {{ config(
        materialized='incremental',
        unique_key=date_column,
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        full_refresh=false,
    ) }}
{%- endmacro %}

{% macro spark__as_of_date_incremental(date_column) -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=[date_column],
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

{#- ==== Spark: incremental runs that replace whole partitions (Parquet, insert_overwrite) ====

    The config of an incremental model on Spark whose run replaces the rows of some keys (`key`):
    a Parquet table partitioned by partition_column, written with dbt-spark's insert_overwrite
    (dynamic partition overwrite). keys_from says which keys the run replaces: 'batch', the keys
    of the rows the run's SELECT gives (a base model: its restaged raw rows), or 'touched_keys',
    the keys the model's pre-hook delete_touched_keys saved (an order-grained model: it may also
    drop rows, e.g. of an order rejected now). The model's SQL stays the DuckDB one; two steps
    around it make dynamic overwrite replace exactly what DuckDB's delete+insert replaces:
    get_insert_overwrite_sql completes the rows to whole partitions, drop_emptied_partitions
    (post-hook) drops the partitions that keep no row. -#}
{% macro partitions_replaced_incremental(key, partition_column, keys_from='batch') -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        file_format='parquet',
        partition_by=[partition_column],
        on_schema_change='fail',
        replaced_key=key,
        replaced_keys_from=keys_from,
        post_hook="{{ drop_emptied_partitions() }}",
    ) }}
{%- endmacro %}

{#- The table the run's rows are written to first (Spark, partitions_replaced_incremental):
    computed once, before the model's table changes; dropped by drop_emptied_partitions. -#}
{% macro run_rows_relation() -%}
    {{ return(this.incorporate(path={"identifier": this.identifier ~ '__dbt_run_rows'})) }}
{%- endmacro %}

{#- The keys the running model replaces: a query with the one column `key`. -#}
{% macro replaced_keys() -%}
    {%- set key = config.get('replaced_key') -%}
    {%- if config.get('replaced_keys_from') == 'touched_keys' -%}
    select {{ key }} from {{ touched_keys_relation() }}
    {%- else -%}
    select distinct {{ key }} from {{ run_rows_relation() }}
    {%- endif -%}
{%- endmacro %}

{#- dbt-spark's insert_overwrite statement (this project's version of its macro
    get_insert_overwrite_sql, which the materialization calls), for the models configured by
    partitions_replaced_incremental; any other model (customer_segment_history) gets the plain
    statement. The run's rows (the model's SELECT: the keys it replaces, recomputed) are first
    written to a table of their own: the statement reads them several times, the post-hook
    again, and the model's SELECT may read the table being overwritten. old_rows are the stored
    rows of the replaced keys. The partitions rewritten are those where the run's rows and
    old_rows differ (a restaged base row differs in staged_at, so every partition that held a
    restaged row and the run's own are rewritten; an order-grained row recomputed unchanged
    rewrites nothing). Each is written whole: its run rows and the stored rows of the keys not
    replaced, copied. A partition given no row keeps its stored rows (dynamic overwrite): when
    all of them were replaced elsewhere, drop_emptied_partitions drops it. Spark may read the
    table it overwrites here: dynamic partition overwrite writes to a staging folder first. -#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) -%}
    {%- set dest_columns = adapter.get_columns_in_relation(target_relation) -%}
    {%- set columns = dest_columns | map(attribute='quoted') | join(', ') -%}
    {%- set key = config.get('replaced_key') -%}
    {%- set partition_column = (config.get('partition_by') or [none])[0] -%}
    {%- if key and not (existing_relation.is_iceberg or existing_relation.is_delta) -%}
        {%- do run_query('drop table if exists ' ~ run_rows_relation()) -%}
        {%- do run_query('create table ' ~ run_rows_relation() ~ ' using parquet as select ' ~ columns ~ ' from ' ~ source_relation) -%}
    {%- endif %}
    insert overwrite table {{ target_relation }}
    {{ partition_cols(label="partition") }}
    {%- if not key or existing_relation.is_iceberg or existing_relation.is_delta %}
    select {{ columns }} from {{ source_relation }}
    {%- else %}
    select {{ columns }} from (
        with

        replaced_keys as (
            {{ replaced_keys() }}
        ),

        run_rows as (
            select {{ columns }} from {{ run_rows_relation() }}
        ),

        old_rows as (
            select {{ columns }} from {{ target_relation }} as stored
            left semi join replaced_keys
                on stored.{{ key }} = replaced_keys.{{ key }}
        ),

        rewritten_partitions as (
            select distinct {{ partition_column }} from (
                (select * from run_rows except all select * from old_rows)
                union all
                (select * from old_rows except all select * from run_rows)
            ) as changed
        ),

        kept_rows as (
            select {{ columns }} from {{ target_relation }} as stored
            left anti join replaced_keys
                on stored.{{ key }} = replaced_keys.{{ key }}
        )

        select run_rows.* from run_rows
        left semi join rewritten_partitions
            on run_rows.{{ partition_column }} <=> rewritten_partitions.{{ partition_column }}
        union all
        select kept_rows.* from kept_rows
        left semi join rewritten_partitions
            on kept_rows.{{ partition_column }} <=> rewritten_partitions.{{ partition_column }}
    ) as whole_partitions
    {%- endif %}
{%- endmacro %}

{#- Post-hook of the models configured by partitions_replaced_incremental: drops the partitions
    that still hold a stored row of a replaced key that is not among the run's rows. Such a
    partition was not rewritten (a rewritten one holds exactly the run's rows of the replaced
    keys, and one that was not rewritten had no such difference), so the run gave it no row:
    every row it kept was replaced elsewhere (a restaged base row now in the run's staged_at,
    an order moved to another month or rejected now). Then drops the run's rows' table. Nothing
    when there is none (a full refresh, a first build). -#}
{% macro drop_emptied_partitions() -%}
    {%- set run_rows_exists = execute and run_query(
        "show tables in " ~ this.schema ~ " like '" ~ run_rows_relation().identifier ~ "'") | length > 0 -%}
    {%- if run_rows_exists -%}
    {%- set key = config.get('replaced_key') -%}
    {%- set partition_column = config.get('partition_by')[0] -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='quoted') | join(', ') -%}
    {%- set stale -%}
        select distinct cast({{ partition_column }} as string) as partition_value from (
            select {{ columns }} from {{ this }}
            where {{ key }} in ({{ replaced_keys() }})
            except all
            select {{ columns }} from {{ run_rows_relation() }}
        ) as stale_rows
        where {{ partition_column }} is not null
    {%- endset -%}
    {%- set emptied = run_query(stale).columns[0].values() -%}
    {%- do run_query('drop table if exists ' ~ run_rows_relation()) -%}
    {%- if emptied | length > 0 -%}
    {{ log(this ~ ": dropping " ~ emptied | length ~ " emptied partition(s)", info=true) }}
    alter table {{ this }} drop if exists
        {%- for value in emptied %}
        partition ({{ partition_column }} = '{{ value }}'){{ ',' if not loop.last }}
        {%- endfor %}
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}
