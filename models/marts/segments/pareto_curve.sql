{#- Cumulative share of net revenue by customer percentile (customers who have ordered, ranked by
    net revenue, highest first; ties by customer id): the seeds' 80/20, reported, never assumed.
    The row with customer_percentile = 20 is the share of revenue from the top 20%. -#}
with

buyers as (

    select
        customer_id,
        net_revenue
    from {{ ref('customer_features') }}
    where not is_prospect

),

ranked as (

    select
        net_revenue,
        cast(
            ceiling(
                100.0 * row_number() over (order by net_revenue desc, customer_id asc)
                / count(*) over ()
            ) as integer
        ) as customer_percentile
    from buyers

),

per_percentile as (

    select
        customer_percentile,
        count(*) as customers,
        sum(net_revenue) as net_revenue
    from ranked
    group by customer_percentile

),

final as (

    select
        customer_percentile,
        customers,
        net_revenue,
        sum(customers) over (order by customer_percentile) / cast(sum(customers) over () as {{ type_double() }})
            as cumulative_customer_share,
        {{ share_of('sum(net_revenue) over (order by customer_percentile)', 'sum(net_revenue) over ()') }}
            as cumulative_revenue_share,
        customer_percentile = 20 as is_top_20_percent_cut
    from per_percentile

)

select * from final
