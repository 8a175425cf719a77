{#- Net revenue up to the as-of date, computed straight from the staged orders (gross − discount
    − refund of non-cancelled orders), equals customer_features' total and customer_segments'
    total, exactly. Returns the three totals when they differ. -#}
{%- set as_of_date = '(select as_of_date from ' ~ ref('int_as_of_date_resolved') ~ ')' -%}
with

staged as (

    select sum(gross_amount - discount_amount - refund_amount) as net_revenue
    from {{ ref('stg_raw__orders') }}
    where order_status != 'cancelled' and order_date <= {{ as_of_date }}

),

features as (

    select sum(net_revenue) as net_revenue
    from {{ ref('customer_features') }}

),

segments as (

    select sum(net_revenue) as net_revenue
    from {{ ref('customer_segments') }}

)

select
    staged.net_revenue as staged_net_revenue,
    features.net_revenue as features_net_revenue,
    segments.net_revenue as segments_net_revenue
from staged
cross join features
cross join segments
where staged.net_revenue != features.net_revenue or features.net_revenue != segments.net_revenue
