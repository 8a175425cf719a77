{#- RFM scores 1–5 by quintile among customers who have purchased, as of the as-of date
    (DOMAIN.md §2): recency (fewer days = 5), frequency (orders), monetary (net revenue). Ties
    share a score, so scores never depend on row order. -#}
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
        {{ days_between('last_order_date', as_of_date()) }} as recency_days
    from orders

),

final as (

    select
        customer_id,
        recency_days,
        order_count,
        net_revenue,
        {{ quantile_score('recency_days', 5, 'desc') }} as r_score,
        {{ quantile_score('order_count', 5, 'asc') }} as f_score,
        {{ quantile_score('net_revenue', 5, 'asc') }} as m_score
    from with_recency

)

select * from final
