{#- Customer state kept incrementally (DECISIONLOG.md "Incremental customer state").

    A customer-state model has rows keyed by customer_id, computed from an order-grained relation
    (orders, order lines, events) at the as-of date: sums, counts, first and last dates, and sums
    over day windows that end on the as-of date. A customer's rows change from one build to the
    next only when (a) the latest staged batch touched the customer's orders, lines or events,
    or (b) one of the customer's rows changes side of a boundary when the as-of date moves: it
    enters or leaves "on or before the as-of date", or enters or leaves a day window. An
    incremental run recomputes exactly those customers, in full from their own rows (no
    subtraction), and keeps every other row: they are what a full refresh would compute. The
    as-of date the state holds for is recorded per model in int_customer_state_as_of_dates (the
    post-hook record_state_as_of_date); without one (a first build, a full refresh of that
    table) every customer is recomputed. Each row also records the as-of date it was computed at
    (computed_as_of_date). Moving the as-of date back (a backfill) is the same rule: the rows
    that changed side.
    Columns that move with the as-of date for every customer (recency, tenure, T) are not state:
    the models after these compute them from the state's dates. -#}

{#- The config of a customer-state model. DuckDB: appended to, after the model's pre-hook
    delete_affected_customers deleted the customers it recomputes. Spark: a table rebuilt in full
    (plain Parquet cannot delete rows; its incremental models replace partitions, DECISIONLOG.md
    "Spark"). -#}
{% macro customer_state_incremental() -%}
    {{ return(adapter.dispatch('customer_state_incremental', 'segmart')()) }}
{%- endmacro %}

{% macro default__customer_state_incremental() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    ) }}
{%- endmacro %}

{% macro spark__customer_state_incremental() -%}
    {{ config(materialized='table') }}
{%- endmacro %}

{#- The pre-hook of a customer-state model, written in the model so that its refs resolve when
    the hook runs:
        pre_hook="{{ delete_affected_customers(ref('int_orders_netted'), 'order_date',
                     [var('year_window_days')], ref('int_as_of_date_resolved'),
                     ref('int_customer_state_as_of_dates'), customer_batches=[ref('base_raw__orders')]) }}",
        post_hook="{{ record_state_as_of_date(ref('int_as_of_date_resolved'), ref('int_customer_state_as_of_dates')) }}"
    source: the order-grained relation the model aggregates (customer_id, date_column);
    windows: the day windows (is_within_days) the model sums over; as_of: int_as_of_date_resolved;
    state_dates: int_customer_state_as_of_dates;
    customer_batches: base relations whose latest batch's customer_id values are touched;
    order_batches: base relations whose latest batch's order_id values are touched, mapped to
    their customers through `orders` (int_orders_netted).
    In an incremental run: the affected customers are saved in a temporary table
    (touched_keys_relation, read by is_touched('customer_id')) and their rows deleted. Nothing in
    a full refresh or on Spark (a table there). -#}
{% macro delete_affected_customers(source, date_column, windows, as_of, state_dates, customer_batches=[], order_batches=[], orders=none) -%}
    {%- if is_incremental() -%}
    {%- set date = 'source.' ~ date_column -%}
    create or replace temporary table {{ touched_keys_relation() }} as
    with

    as_of_dates as (

        select
            resolved.as_of_date as new_as_of,
            (
                select max(state_dates.as_of_date) from {{ state_dates }} as state_dates
                where state_dates.model_name = '{{ this.identifier }}'
            ) as previous_as_of
        from {{ as_of }} as resolved

    ),

    moved as (

        select distinct source.customer_id
        from {{ source }} as source
        cross join as_of_dates
        where
            source.customer_id is not null
            and (
                as_of_dates.previous_as_of is null
                or ({{ date }} <= as_of_dates.previous_as_of) != ({{ date }} <= as_of_dates.new_as_of)
                {%- for days in windows %}
                or {{ is_within_days(days_between(date, 'as_of_dates.previous_as_of'), days) }}
                != {{ is_within_days(days_between(date, 'as_of_dates.new_as_of'), days) }}
                {%- endfor %}
            )

    )

    select customer_id from moved
    {%- if customer_batches %}
    union
    select customer_id from ({{ touched_keys(customer_batches, 'customer_id') }}) as touched_customers
    {%- endif %}
    {%- if order_batches %}
    union
    select orders.customer_id
    from {{ orders }} as orders
    where orders.order_id in (select order_id from ({{ touched_keys(order_batches, 'order_id') }}) as touched_orders)
    {%- endif %};
    delete from {{ this }}
    where
        customer_id in (select customer_id from {{ touched_keys_relation() }})
        or not exists (select 1 from {{ state_dates }} where model_name = '{{ this.identifier }}')
    {%- endif -%}
{%- endmacro %}

{#- The post-hook of a customer-state model: records the as-of date its rows now hold for in
    state_dates (int_customer_state_as_of_dates), one row per model, read by the next build's
    delete_affected_customers. Nothing on Spark (its state models are tables). -#}
{% macro record_state_as_of_date(as_of, state_dates) -%}
    {%- if target.type != 'spark' -%}
    delete from {{ state_dates }} where model_name = '{{ this.identifier }}';
    insert into {{ state_dates }} (model_name, as_of_date)
    select '{{ this.identifier }}', as_of_date from {{ as_of }}
    {%- endif -%}
{%- endmacro %}
