{#- Each category's unit-price tertiles over all purchased lines up to the as-of date: the
    edges of the low / mid / high price bands (seed 004's interest segments). -#}
with

lines as (

    select * from {{ ref('int_purchased_order_lines') }}
    where order_date <= {{ as_of_date() }}

),

final as (

    select
        category,
        {{ percentile_cont('unit_price', 1.0 / 3) }} as lower_tertile_price,
        {{ percentile_cont('unit_price', 2.0 / 3) }} as upper_tertile_price,
        count(*) as line_count
    from lines
    group by category

)

select * from final
