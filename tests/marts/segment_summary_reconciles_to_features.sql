{#- For every segment dimension, segment_summary's customers and net revenue add up exactly to
    customer_features'. Returns the dimensions that do not. -#}
with

features as (

    select
        count(*) as customers,
        sum(net_revenue) as net_revenue
    from {{ ref('customer_features') }}

),

summary as (

    select
        segment_dimension,
        sum(customers) as customers,
        sum(net_revenue) as net_revenue
    from {{ ref('segment_summary') }}
    group by segment_dimension

)

select
    summary.segment_dimension,
    summary.customers as summary_customers,
    features.customers as feature_customers,
    summary.net_revenue as summary_net_revenue,
    features.net_revenue as feature_net_revenue
from summary
cross join features
where summary.customers != features.customers or summary.net_revenue != features.net_revenue
