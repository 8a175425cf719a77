{#- Every line of a purchase up to the as-of date, with the customer and the order date: the one
    scan of order lines against orders that category spend and price tertiles share. Line
    amounts are scaled by the order's net / gross ratio, so discounts and refunds net out per
    category exactly as they do per order. -#}
with

as_of as (

    select
        {{ as_of_date() }} as as_of_date,
        {{ dbt.dateadd('day', -var('top_category_change_window_days'), as_of_date()) }} as previous_as_of_date,
        {{ dbt.dateadd('day', -var('year_window_days'), as_of_date()) }} as year_window_start_date

),

orders as (

    select
        order_id,
        customer_id,
        order_date,
        {{ share_of('net_revenue', 'gross_amount') }} as net_ratio
    from {{ ref('int_orders_netted') }}
    where is_purchase

),

items as (

    select * from {{ ref('stg_raw__order_items') }}

),

final as (

    select
        items.order_item_id,
        orders.customer_id,
        items.category,
        items.quantity,
        items.unit_price,
        -- decimal, so sums over lines are exact and the same on every build
        cast(items.line_amount * orders.net_ratio as decimal(18, 4)) as net_line_amount,
        orders.order_date <= as_of.previous_as_of_date as is_before_window,
        orders.order_date > as_of.year_window_start_date as is_in_year_window
    from items
    inner join orders
        on items.order_id = orders.order_id
    cross join as_of
    where orders.order_date <= as_of.as_of_date

)

select * from final
