{#- Orders netted to revenue and margin (DECISIONLOG.md "Revenue netting", "Returns and
    cancellations": a return row's negative gross reduces net revenue and is never a purchase), with the timing
    flags the features need and the order's month (Spark's partition). One row per staged order, all dates: later models filter by as-of.
    Incremental: the orders of the latest staged batch are replaced (macros/incremental/incremental.sql). -#}
{{ order_grained_incremental('order_id', 'order_month') }}
{{ config(pre_hook="{{ delete_touched_keys('order_id', [ref('base_raw__orders')]) }}") }}

with

orders as (

    select * from {{ ref('stg_raw__orders') }}
    where {{ is_touched('order_id') }}

),

holidays as (

    select * from {{ ref('holiday_windows') }}

),

netted as (

    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        orders.order_date,
        orders.channel,
        orders.order_status,
        orders.gross_amount,
        orders.discount_amount,
        orders.refund_amount,
        -- a return (negative gross; staging makes its status returned) nets to its gross
        case
            when orders.order_status = 'cancelled' then 0
            else orders.gross_amount - orders.discount_amount - orders.refund_amount
        end as net_revenue,
        -- money stays decimal, so every later sum is exact and the same on every build
        cast(
            case
                when orders.order_status = 'cancelled' then 0
                -- a return (negative gross) takes its goods back: their cost comes off cost of
                -- sales, whichever sign the source gave it
                when orders.gross_amount < 0 then -abs(orders.cost_amount)
                -- the cost of returned goods is recovered in proportion to the refund; the product
                -- is a double, made decimal at eight places before rounding to cents: a double
                -- near half a cent rounds differently on DuckDB and Spark, eight places do not
                else cast(orders.cost_amount * coalesce(
                    {{ safe_divide('orders.gross_amount - orders.discount_amount - orders.refund_amount',
                                   'orders.gross_amount - orders.discount_amount') }}, 0) as decimal(38, 8))
            end
            as decimal(18, 2)
        ) as cost_of_sales,
        orders.order_status != 'cancelled'
        and orders.gross_amount - orders.discount_amount - orders.refund_amount > 0 as is_purchase,
        orders.order_status = 'returned' as is_returned,
        orders.discount_amount > 0 as is_discounted,
        {{ day_of_week_iso('orders.order_date') }} >= 6 as is_weekend,
        holidays.holiday_code
    from orders
    left join holidays
        on orders.order_date between holidays.start_date and holidays.end_date

),

final as (

    select
        order_id,
        customer_id,
        ordered_at,
        order_date,
        channel,
        order_status,
        gross_amount,
        discount_amount,
        refund_amount,
        net_revenue,
        cost_of_sales,
        is_purchase,
        is_returned,
        is_discounted,
        is_weekend,
        holiday_code,
        net_revenue - cost_of_sales as gross_margin,
        {{ month_start('order_date') }} as order_month
    from netted

)

select * from final
