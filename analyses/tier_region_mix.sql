{#- Tier × region mix: customers and net revenue per value tier and region, with each region's
    share of the tier's customers. -#}
with

mix as (

    select
        segments.value_tier,
        coalesce(features.region, 'unknown') as region,
        count(*) as customers,
        sum(segments.net_revenue) as net_revenue
    from {{ ref('customer_segments') }} as segments
    inner join {{ ref('customer_features') }} as features
        on segments.customer_id = features.customer_id
    group by segments.value_tier, coalesce(features.region, 'unknown')

)

select
    value_tier,
    region,
    customers,
    net_revenue,
    {{ share_of('customers', 'sum(customers) over (partition by value_tier)') }} as share_of_tier_customers
from mix
order by value_tier asc, customers desc
