{#- The buy-till-you-die grain: purchases collapsed to one row per customer per day (amounts
    summed), up to the as-of date, with the gap to the customer's previous purchase day. -#}
with

orders as (

    select * from {{ ref('int_orders_netted') }}
    where is_purchase and order_date <= {{ as_of_date() }}

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
        {{ dbt.concat(['customer_id', "'|'", 'cast(purchase_date as ' ~ dbt.type_string() ~ ')']) }} as customer_day_id,
        customer_id,
        purchase_date,
        order_count,
        net_revenue,
        row_number() over (partition by customer_id order by purchase_date) as purchase_day_number,
        {{ days_between('lag(purchase_date) over (partition by customer_id order by purchase_date)', 'purchase_date') }}
            as days_since_previous_purchase
    from collapsed

)

select * from final
