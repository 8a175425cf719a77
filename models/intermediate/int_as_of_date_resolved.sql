{#- The one date every customer-level model is computed as of (one row): the var as_of_date when
    set (replay a past date: --vars '{as_of_date: 2024-06-30}'), else the latest order date in
    the data. Models read it here instead of recomputing max(order_date) each. -#}
{%- set as_of_expression = "cast('" ~ var('as_of_date') ~ "' as date)" if var('as_of_date', none)
    else 'latest_order_date' -%}
with

orders as (

    select max(order_date) as latest_order_date
    from {{ ref('stg_raw__orders') }}

),

final as (

    select {{ as_of_expression }} as as_of_date
    from orders

)

select * from final
