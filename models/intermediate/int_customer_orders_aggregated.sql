{#- Orders up to the as-of date aggregated per customer: RFM inputs, timing and channel
    behaviour, returns. One row per customer with at least one non-cancelled order. The recent
    and year windows are read by is_within_days: the as-of date and the N − 1 days before it.
    Customer state (macros/incremental/customer_state.sql): an incremental run recomputes the
    customers the latest batch touched and those with an order that crossed the as-of date or a
    window edge. -#}
{{ customer_state_incremental() }}
{{ config(
    pre_hook="{{ delete_affected_customers(
        ref('int_orders_netted'),
        'order_date',
        [var('recent_orders_window_days'), var('year_window_days')],
        ref('int_as_of_date_resolved'),
        ref('int_customer_state_as_of_dates'),
        customer_batches=[ref('base_raw__orders')]) }}",
    post_hook="{{ record_state_as_of_date(
        ref('int_as_of_date_resolved'), ref('int_customer_state_as_of_dates')) }}",
) }}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

orders as (

    select
        orders.*,
        as_of.as_of_date,
        {{ is_within_days(days_between('orders.order_date', 'as_of.as_of_date'), var('recent_orders_window_days')) }}
            as is_in_recent_window,
        {{ is_within_days(days_between('orders.order_date', 'as_of.as_of_date'), var('year_window_days')) }}
            as is_in_year_window
    from {{ ref('int_orders_netted') }} as orders
    cross join as_of
    where
        orders.order_date <= as_of.as_of_date
        and orders.order_status != 'cancelled'
        and {{ is_touched('customer_id') }}

),

channel_counts as (

    select
        customer_id,
        channel,
        count(*) as channel_orders,
        row_number() over (partition by customer_id order by count(*) desc, channel asc) as channel_rank
    from orders
    where is_purchase and channel is not null
    group by customer_id, channel

),

channels as (

    select
        customer_id,
        max(case when channel_rank = 1 then channel end) as preferred_channel,
        count(*) as channel_count
    from channel_counts
    group by customer_id

),

aggregated as (

    select
        orders.customer_id,
        min(case when orders.is_purchase then orders.order_date end) as first_order_date,
        max(case when orders.is_purchase then orders.order_date end) as last_order_date,
        count(case when orders.is_purchase then 1 end) as order_count,
        sum(orders.gross_amount) as gross_revenue,
        sum(orders.discount_amount) as discount_total,
        sum(orders.refund_amount) as refund_total,
        sum(orders.net_revenue) as net_revenue,
        sum(orders.gross_margin) as gross_margin,
        count(case when orders.is_purchase and orders.is_in_recent_window then 1 end) as orders_in_recent_window,
        count(case when orders.is_purchase and orders.is_in_year_window then 1 end) as orders_in_year_window,
        sum(case when orders.is_in_year_window then orders.net_revenue else 0 end) as net_revenue_in_year_window,
        sum(case when orders.is_in_year_window then orders.gross_margin else 0 end) as gross_margin_in_year_window,
        -- timing and discount shares are shares of what the customer bought: returns, which can
        -- fall on another day than their purchase, would push a share below 0 or above 1
        sum(case when orders.is_purchase then orders.net_revenue else 0 end) as purchase_net_revenue,
        sum(case when orders.is_purchase and orders.holiday_code is not null then orders.net_revenue else 0 end)
            as holiday_net_revenue,
        sum(case when orders.is_purchase and orders.is_discounted then orders.net_revenue else 0 end)
            as discounted_net_revenue,
        count(case when orders.is_purchase and orders.is_weekend then 1 end) as weekend_order_count,
        count(case when orders.is_returned then 1 end) as returned_order_count,
        count(*) as non_cancelled_order_count,
        max(orders.as_of_date) as computed_as_of_date
    from orders
    group by orders.customer_id

),

final as (

    select
        aggregated.customer_id,
        aggregated.first_order_date,
        aggregated.last_order_date,
        aggregated.order_count,
        aggregated.gross_revenue,
        aggregated.discount_total,
        aggregated.refund_total,
        aggregated.net_revenue,
        aggregated.gross_margin,
        {{ safe_divide('aggregated.purchase_net_revenue', 'aggregated.order_count') }} as avg_order_value,
        aggregated.orders_in_recent_window,
        aggregated.orders_in_year_window,
        aggregated.net_revenue_in_year_window,
        aggregated.gross_margin_in_year_window,
        channels.preferred_channel,
        coalesce(channels.channel_count, 0) as channel_count,
        {{ share_of('aggregated.holiday_net_revenue', 'aggregated.purchase_net_revenue') }} as holiday_revenue_share,
        {{ safe_divide('aggregated.weekend_order_count', 'aggregated.order_count') }} as weekend_order_share,
        {{ share_of('aggregated.discounted_net_revenue', 'aggregated.purchase_net_revenue') }}
            as discounted_revenue_share,
        {{ safe_divide('aggregated.returned_order_count', 'aggregated.non_cancelled_order_count') }} as return_rate,
        aggregated.computed_as_of_date
    from aggregated
    left join channels
        on aggregated.customer_id = channels.customer_id

)

select * from final
