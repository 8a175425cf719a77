{#- The buy-till-you-die summary per customer, exactly as lifetimes'
    summary_data_from_transaction_data defines it (models/overview.md, 'BTYD'), in units of
    btyd_time_unit_days days: frequency = purchase days − 1, recency = last − first, T = as-of −
    first, monetary_value = mean daily amount excluding the first day (0 without repeats).
    Also the mean and spread of the gaps between purchase days. -#}
{%- set as_of_date = '(select as_of_date from ' ~ ref('int_as_of_date_resolved') ~ ')' -%}
with

customer_days as (

    select * from {{ ref('int_customer_days_collapsed') }}
    where purchase_date <= {{ as_of_date }}

),

final as (

    select
        customer_id,
        count(*) - 1 as btyd_frequency,
        {{ days_between('min(purchase_date)', 'max(purchase_date)') }}
        / cast({{ var('btyd_time_unit_days') }} as {{ type_double() }}) as btyd_recency,
        {{ days_between('min(purchase_date)', as_of_date) }}
        / cast({{ var('btyd_time_unit_days') }} as {{ type_double() }}) as btyd_t,
        -- the exact decimal sum over the count: an average of decimals is a double on DuckDB but
        -- a decimal of six places on Spark
        coalesce(
            cast(sum(case when purchase_day_number > 1 then net_revenue end) as {{ type_double() }})
            / count(case when purchase_day_number > 1 then net_revenue end),
            0
        ) as btyd_monetary_value,
        avg(days_since_previous_purchase) as avg_days_between_orders,
        {{ value_at_max('days_since_previous_purchase', 'purchase_date') }} as last_purchase_gap_days,
        {{ exact_stddev_samp('days_since_previous_purchase') }} as stddev_days_between_orders
    from customer_days
    group by customer_id

)

select * from final
