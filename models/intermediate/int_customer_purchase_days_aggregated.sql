{#- The buy-till-you-die summary's state per customer with a purchase day up to the as-of date:
    first and last purchase day, purchase days, the net revenue of the repeat days (exact
    decimal sum and count), and the gaps between purchase days. None of it moves with the as-of
    date unless a purchase day crosses it, so it is kept incrementally (customer state,
    macros/incremental/customer_state.sql); int_customer_btyd_summarised adds T. -#}
{{ customer_state_incremental() }}
{{ config(
    pre_hook="{{ delete_affected_customers(
        ref('int_customer_days_collapsed'),
        'purchase_date',
        [],
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

customer_days as (

    select customer_days.*
    from {{ ref('int_customer_days_collapsed') }} as customer_days
    cross join as_of
    where customer_days.purchase_date <= as_of.as_of_date and {{ is_touched('customer_id') }}

),

final as (

    select
        customer_days.customer_id,
        min(customer_days.purchase_date) as first_purchase_date,
        max(customer_days.purchase_date) as last_purchase_date,
        count(*) as purchase_day_count,
        sum(case when customer_days.purchase_day_number > 1 then customer_days.net_revenue end)
            as repeat_day_net_revenue,
        count(case when customer_days.purchase_day_number > 1 then customer_days.net_revenue end)
            as repeat_day_count,
        avg(customer_days.days_since_previous_purchase) as avg_days_between_orders,
        {{ value_at_max('customer_days.days_since_previous_purchase', 'customer_days.purchase_date') }}
            as last_purchase_gap_days,
        {{ exact_stddev_samp('customer_days.days_since_previous_purchase') }} as stddev_days_between_orders,
        max(as_of.as_of_date) as computed_as_of_date
    from customer_days
    cross join as_of
    group by customer_days.customer_id

)

select * from final
