{#- Spend per customer and category from the lines of purchases up to the as-of date, also as
    of top_category_change_window_days earlier, with each category's rank for the customer.
    Line amounts are scaled by the order's net / gross ratio, so discounts and refunds net out
    per category exactly as they do per order. -#}
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

lines as (

    select
        orders.customer_id,
        items.category,
        items.quantity,
        items.unit_price,
        -- decimal, so the sums below are exact and the same on every build
        cast(items.line_amount * orders.net_ratio as decimal(18, 4)) as net_line_amount,
        orders.order_date <= as_of.previous_as_of_date as is_before_window,
        orders.order_date > as_of.year_window_start_date as is_in_year_window
    from items
    inner join orders
        on items.order_id = orders.order_id
    cross join as_of
    where orders.order_date <= as_of.as_of_date

),

spend as (

    select
        customer_id,
        category,
        sum(net_line_amount) as net_revenue,
        sum(case when is_before_window then net_line_amount else 0 end) as net_revenue_before_window,
        sum(case when is_in_year_window then net_line_amount else 0 end) as net_revenue_last_365_days,
        sum(quantity) as units,
        {{ safe_divide('sum(unit_price * quantity)', 'sum(quantity)') }} as avg_unit_price
    from lines
    group by customer_id, category

),

final as (

    select
        {{ dbt.concat(['customer_id', "'|'", 'category']) }} as customer_category_id,
        customer_id,
        category,
        net_revenue,
        net_revenue_before_window,
        net_revenue_last_365_days,
        units,
        avg_unit_price,
        {{ share_of('net_revenue', 'sum(net_revenue) over (partition by customer_id)') }} as revenue_share,
        row_number() over (partition by customer_id order by net_revenue desc, category asc) as category_rank,
        case
            when net_revenue_before_window > 0
                then row_number() over (
                    partition by customer_id
                    order by net_revenue_before_window desc, category asc
                )
        end as previous_category_rank
    from spend

)

select * from final
