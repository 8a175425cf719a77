{#- 冷漠型 (minimal) is for customers who bring no profit or cause losses, and only for them:
    a buyer gets minimal and is flagged is_unwelcome exactly when their expected profit
    (recomputed independently of the models) is ≤ 0, whatever their tier. Returns the buyers
    where treatment or flag and expected profit disagree. -#}
with

recomputed as (

    {{ expected_profit_recomputed(ref('customer_features'), ref('customer_lifetime_value')) }}

),

compared as (

    select
        segments.customer_id,
        segments.value_tier,
        segments.treatment,
        segments.treatment_label_zh,
        segments.is_unwelcome,
        recomputed.expected_profit,
        coalesce(recomputed.expected_profit <= 0, false) as should_be_minimal
    from {{ ref('customer_segments') }} as segments
    inner join recomputed
        on segments.customer_id = recomputed.customer_id

)

select * from compared
where
    (treatment = 'minimal') != should_be_minimal
    or (treatment_label_zh = '冷漠型') != should_be_minimal
    or is_unwelcome != should_be_minimal
