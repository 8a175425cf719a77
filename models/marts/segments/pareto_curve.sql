{#- Cumulative share of net revenue by customer percentile (customers who have ordered, ranked by
    net revenue, highest first; ties by customer id): the seeds' 80/20, reported, never assumed.
    The row at customer_percentile p is the top p% read by is_in_top_share: the first
    ceil(p% × buyers) buyers, so the row with customer_percentile = 20 is the share of revenue
    from the top 20%, exactly the customers the pyramid's cuts would count. Every percentile
    1..100 has a row; with fewer than 100 buyers some percentiles add no customer. A tie split
    by customer id does not change any cumulative revenue (tied customers bring the same). -#}
with

buyers as (

    select
        customer_id,
        net_revenue
    from {{ ref('int_customers_profiled') }}
    where not is_prospect

),

buyer_count as (

    select count(*) as buyers
    from buyers

),

ranked as (

    select
        net_revenue,
        row_number() over (order by net_revenue desc, customer_id asc) as customer_rank,
        count(*) over () as buyers
    from buyers

),

percentiles as (

    select cast(series.generated_number as integer) as customer_percentile
    from ({{ dbt.generate_series(100) }}) as series
    cross join buyer_count
    where buyer_count.buyers > 0

),

per_percentile as (

    {#- each buyer in the first percentile that holds it: in the top p%, not in the top (p − 1)% -#}

    select
        percentiles.customer_percentile,
        count(ranked.customer_rank) as customers,
        coalesce(sum(ranked.net_revenue), 0) as net_revenue
    from percentiles
    left join ranked
        on
            {{ is_in_top_share('ranked.customer_rank', 'ranked.buyers', 'percentiles.customer_percentile / 100.0') }}
            and not {{ is_in_top_share(
                'ranked.customer_rank', 'ranked.buyers', '(percentiles.customer_percentile - 1) / 100.0'
            ) }}
    group by percentiles.customer_percentile

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
