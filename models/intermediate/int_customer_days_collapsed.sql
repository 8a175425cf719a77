{#- The buy-till-you-die grain: purchases collapsed to one row per customer per day (amounts
    summed), all dates (consumers filter by the as-of date: the day number and the gap to the
    previous purchase day depend only on earlier days), with the gap to the customer's previous
    purchase day and the day's month (Spark's partition). Incremental: every day of each customer with an order in the latest staged
    batch is recomputed (macros/incremental/incremental.sql). -#}
{{ order_grained_incremental('customer_id', 'purchase_month') }}
{{ config(pre_hook="{{ delete_touched_keys('customer_id', [ref('base_raw__orders')]) }}") }}

with

orders as (

    select * from {{ ref('int_orders_netted') }}
    where is_purchase and {{ is_touched('customer_id') }}

),

collapsed as (

    select
        customer_id,
        order_date as purchase_date,
        count(*) as order_count,
        sum(net_revenue) as net_revenue
    from orders
    group by customer_id, order_date

),

final as (

    select
        customer_id,
        purchase_date,
        order_count,
        net_revenue,
        row_number() over (partition by customer_id order by purchase_date) as purchase_day_number,
        {{ days_between('lag(purchase_date) over (partition by customer_id order by purchase_date)', 'purchase_date') }}
            as days_since_previous_purchase,
        {{ month_start('purchase_date') }} as purchase_month
    from collapsed

)

select * from final
