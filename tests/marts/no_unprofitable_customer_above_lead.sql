{#- The pyramid ranks by the profit customers bring: no platinum, gold or iron customer is
    expected to bring a profit ≤ 0 (recomputed independently of the models). Returns those
    customers. -#}
with

recomputed as (

    {{ expected_profit_recomputed(ref('customer_features'), ref('customer_lifetime_value')) }}

)

select
    segments.customer_id,
    segments.value_tier,
    recomputed.expected_profit
from {{ ref('customer_segments') }} as segments
inner join recomputed
    on segments.customer_id = recomputed.customer_id
where
    segments.value_tier in ('platinum', 'gold', 'iron')
    and recomputed.expected_profit <= 0
