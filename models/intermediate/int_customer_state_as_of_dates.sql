{#- The as-of date each customer-state model's rows hold for (macros/incremental/customer_state.sql):
    one row per model, written by the model's post-hook record_state_as_of_date after each of its
    builds and read by the next build's pre-hook delete_affected_customers. Built empty: a full
    refresh of this table makes the next build recompute every customer. On Spark it stays empty
    (the state models are tables there). -#}
{{ config(
    materialized='incremental' if target.type != 'spark' else 'table',
    incremental_strategy='append',
    on_schema_change='fail',
) }}

select
    cast(null as {{ dbt.type_string() }}) as model_name,
    cast(null as date) as as_of_date
where 1 = 0
