{#- RFM scores 1–5 among customers who have purchased, as of the as-of date: recency (fewer
    days = 5), frequency (orders), monetary (net revenue), by quintile (Hughes) made gap-free
    where one value holds most customers (var rfm_score_method, macros/scoring/banding.sql). Ties share
    a score, so scores never depend on row order. -#}
{%- set as_of_date = '(select as_of_date from ' ~ ref('int_as_of_date_resolved') ~ ')' -%}
with

orders as (

    select * from {{ ref('int_customer_orders_aggregated') }}
    where order_count > 0

),

with_recency as (

    select
        customer_id,
        order_count,
        net_revenue,
        {{ days_between('last_order_date', as_of_date) }} as recency_days
    from orders

),

parts as (

    select
        customer_id,
        recency_days,
        order_count,
        net_revenue,
        {{ score_parts('recency_days', 'r', 5, 'desc') }},
        {{ score_parts('order_count', 'f', 5, 'asc') }},
        {{ score_parts('net_revenue', 'm', 5, 'asc') }}
    from with_recency

),

final as (

    select
        customer_id,
        recency_days,
        order_count,
        net_revenue,
        {{ rfm_score('r', 5) }} as r_score,
        {{ rfm_score('f', 5) }} as f_score,
        {{ rfm_score('m', 5) }} as m_score
    from parts

)

select * from final
