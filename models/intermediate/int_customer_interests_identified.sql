{#- Per customer: the top category, its share, how many categories they buy, the price band
    they buy at in the top category, and whether the top category changed over the window. -#}
with

category_spend as (

    select * from {{ ref('int_customer_category_spend_ranked') }}

),

tertiles as (

    select * from {{ ref('int_category_price_tertiles_computed') }}

),

per_customer as (

    select
        customer_id,
        max(case when category_rank = 1 then category end) as top_category,
        max(case when category_rank = 1 then revenue_share end) as top_category_revenue_share,
        max(case when category_rank = 1 then avg_unit_price end) as top_category_avg_unit_price,
        max(case when previous_category_rank = 1 then category end) as previous_top_category,
        count(case when net_revenue > 0 then 1 end) as category_count
    from category_spend
    group by customer_id

),

final as (

    select
        per_customer.customer_id,
        per_customer.top_category,
        per_customer.top_category_revenue_share,
        per_customer.category_count,
        {{ band('per_customer.top_category_avg_unit_price',
                ['tertiles.lower_tertile_price', 'tertiles.upper_tertile_price'],
                ['low', 'mid', 'high']) }} as price_band,
        per_customer.previous_top_category,
        coalesce(per_customer.previous_top_category != per_customer.top_category, false)
            as has_top_category_changed
    from per_customer
    left join tertiles
        on per_customer.top_category = tertiles.category

)

select * from final
