{#- The CLV back-test's data, as lifetimes' calibration_and_holdout_data defines them: for each
    customer with a purchase on or before the calibration end, the BTYD summary at the
    calibration end (the same columns as int_customer_btyd_summarised, in units of
    btyd_time_unit_days days), and what the customer bought in the holdout (after the
    calibration end, up to the holdout end): purchase days (repeat purchases, one per day, as
    the summary counts them) and their net revenue. From the purchase days
    (int_customer_days_collapsed). -#}
with

dates as (

    select * from {{ ref('int_clv_backtest_dates_resolved') }}

),

days as (

    select
        customer_days.customer_id,
        customer_days.purchase_date,
        customer_days.net_revenue,
        customer_days.purchase_date <= dates.calibration_end_date as is_calibration
    from {{ ref('int_customer_days_collapsed') }} as customer_days
    cross join dates
    where customer_days.purchase_date <= dates.holdout_end_date

),

per_customer as (

    select
        customer_id,
        min(case when is_calibration then purchase_date end) as first_purchase_date,
        max(case when is_calibration then purchase_date end) as last_calibration_purchase_date,
        sum(case when is_calibration then 1 else 0 end) as calibration_day_count,
        sum(case when is_calibration then net_revenue end) as calibration_net_revenue,
        sum(case when is_calibration then 0 else 1 end) as holdout_day_count,
        coalesce(sum(case when not is_calibration then net_revenue end), 0) as holdout_net_revenue
    from days
    group by customer_id

),

first_day as (

    select
        days.customer_id,
        days.net_revenue as first_day_net_revenue
    from days
    inner join per_customer
        on
            days.customer_id = per_customer.customer_id
            and days.purchase_date = per_customer.first_purchase_date

),

final as (

    select
        per_customer.customer_id,
        dates.calibration_end_date,
        dates.holdout_end_date,
        per_customer.first_purchase_date,
        cast(per_customer.calibration_day_count - 1 as {{ dbt.type_bigint() }}) as btyd_frequency,
        {{ btyd_duration('per_customer.first_purchase_date', 'per_customer.last_calibration_purchase_date') }}
            as btyd_recency,
        {{ btyd_duration('per_customer.first_purchase_date', 'dates.calibration_end_date') }} as btyd_t,
        -- the mean of the repeat days' net revenue (the first day left out), as the summary does
        coalesce(
            cast(per_customer.calibration_net_revenue - first_day.first_day_net_revenue as {{ type_double() }})
            / nullif(per_customer.calibration_day_count - 1, 0),
            0
        ) as btyd_monetary_value,
        {{ btyd_duration('dates.calibration_end_date', 'dates.holdout_end_date') }} as holdout_duration,
        cast(per_customer.holdout_day_count as {{ dbt.type_bigint() }}) as actual_holdout_purchases,
        per_customer.holdout_net_revenue as actual_holdout_revenue
    from per_customer
    inner join first_day
        on per_customer.customer_id = first_day.customer_id
    cross join dates
    where per_customer.first_purchase_date is not null

)

select * from final
