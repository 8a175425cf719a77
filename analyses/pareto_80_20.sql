{#- Pareto 80/20: what share of net revenue the top 20% of buyers bring, and how many buyers
    bring 80% of it. Start here to check the seeds' rule of thumb on your data. -#}
with

curve as (

    select * from {{ ref('pareto_curve') }}

),

top_fifth as (

    select cumulative_revenue_share as top_20_percent_revenue_share
    from curve
    where is_top_20_percent_cut

),

eighty_percent as (

    select min(cumulative_customer_share) as customer_share_for_80_percent_revenue
    from curve
    where cumulative_revenue_share >= 0.8

)

select
    top_fifth.top_20_percent_revenue_share,
    eighty_percent.customer_share_for_80_percent_revenue
from top_fifth
cross join eighty_percent
