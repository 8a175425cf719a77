{#- Every line of a purchase or of a return (negative, DECISIONLOG.md "Returns and
    cancellations"), with the customer, the order date and month (Spark's partition): the one scan of order lines
    against orders that category spend and price tertiles share (they filter by the as-of date).
    Line amounts are scaled by the order's net / gross ratio, so discounts and refunds net out per
    category exactly as they do per order. Incremental: the lines of every order whose header or
    lines were in the latest staged batch are replaced (macros/incremental/incremental.sql). -#}
{{ order_grained_incremental('order_id', 'order_month') }}
{{ config(pre_hook="{{ delete_touched_keys('order_id', [ref('base_raw__orders'), ref('base_raw__order_items')]) }}") }}

with

orders as (

    select
        order_id,
        customer_id,
        order_date,
        order_month,
        gross_amount < 0 as is_return,
        {{ share_of('net_revenue', 'gross_amount') }} as net_ratio
    from {{ ref('int_orders_netted') }}
    -- purchases and returns (negative gross): a return takes its lines' amounts off the category
    where
        {{ is_touched('order_id') }}
        and (is_purchase or gross_amount < 0)

),

items as (

    select * from {{ ref('stg_raw__order_items') }}

),

final as (

    select
        items.order_item_id,
        items.order_id,
        orders.customer_id,
        orders.order_date,
        orders.order_month,
        items.category,
        items.unit_price,
        -- decimal, so sums over lines are exact and the same on every build
        cast(
            case
                when orders.is_return then -abs(items.line_amount)
                else items.line_amount * orders.net_ratio
            end as decimal(18, 4)
        ) as net_line_amount,
        -- a return's lines count negative whichever sign the source gave their quantity
        case when orders.is_return then -abs(items.quantity) else items.quantity end as quantity,
        -- a line of a return, or a returned line (negative quantity) of a purchase: not a price paid
        orders.is_return or items.quantity < 0 as is_returned_line
    from items
    inner join orders
        on items.order_id = orders.order_id

)

select * from final
