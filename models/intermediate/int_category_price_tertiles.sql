{#- Each category's unit-price tertiles over all purchased lines up to the as-of date: the
    edges of the low / mid / high price bands (seed 004's interest segments). -#}
with

orders as (

    select order_id
    from {{ ref('int_orders_netted') }}
    where is_purchase and order_date <= {{ as_of_date() }}

),

items as (

    select * from {{ ref('stg_raw__order_items') }}

),

final as (

    select
        items.category,
        {{ percentile_cont('items.unit_price', 1.0 / 3) }} as lower_tertile_price,
        {{ percentile_cont('items.unit_price', 2.0 / 3) }} as upper_tertile_price,
        count(*) as line_count
    from items
    inner join orders
        on items.order_id = orders.order_id
    group by items.category

)

select * from final
