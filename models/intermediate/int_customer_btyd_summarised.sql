{#- The buy-till-you-die summary per customer, exactly as lifetimes'
    summary_data_from_transaction_data defines it (models/overview.md, 'BTYD'), in units of
    btyd_time_unit_days days: frequency = purchase days − 1, recency = last − first, T = as-of −
    first, monetary_value = mean daily amount excluding the first day (0 without repeats).
    Also the mean and spread of the gaps between purchase days. Computed at the as-of date from
    the customer state int_customer_purchase_days_aggregated: one row per buyer. -#}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

final as (

    select
        purchase_days.customer_id,
        purchase_days.purchase_day_count - 1 as btyd_frequency,
        {{ btyd_duration('purchase_days.first_purchase_date', 'purchase_days.last_purchase_date') }} as btyd_recency,
        {{ btyd_duration('purchase_days.first_purchase_date', 'as_of.as_of_date') }} as btyd_t,
        -- the exact decimal sum over the count: an average of decimals is a double on DuckDB but
        -- a decimal of six places on Spark
        coalesce(
            cast(purchase_days.repeat_day_net_revenue as {{ type_double() }})
            / nullif(purchase_days.repeat_day_count, 0),
            0
        ) as btyd_monetary_value,
        purchase_days.avg_days_between_orders,
        purchase_days.last_purchase_gap_days,
        purchase_days.stddev_days_between_orders
    from {{ ref('int_customer_purchase_days_aggregated') }} as purchase_days
    cross join as_of

)

select * from final
