{#- Yearly retention rate by customer type, measured from the orders (Gupta & Lehmann 2003,
    "Customers as assets": r = the share of a year's customers who buy again in the next year).
    Years count back from the as-of date: the base year is the 365 days before the last 365
    (var year_window_days). A type's rate is the share of its base-year buyers who also bought in
    the last year; the seed customer_type_retention's rate replaces it when the order history
    does not cover both years or fewer than var retention_min_customers bought in the base
    year. One row per customer type of the seed or the data. -#}
with

features as (

    select * from {{ ref('int_customers_profiled') }}

),

orders as (

    select * from {{ ref('int_orders_netted') }}

),

seed_rates as (

    select * from {{ ref('customer_type_retention') }}

),

as_of as (

    select max(as_of_date) as as_of_date
    from features

),

windowed as (

    select
        orders.customer_id,
        orders.order_date,
        orders.is_purchase,
        orders.order_date > {{ dbt.dateadd('day', -var('year_window_days'), 'as_of.as_of_date') }}
            as is_in_last_year,
        orders.order_date > {{ dbt.dateadd('day', -2 * var('year_window_days'), 'as_of.as_of_date') }}
        and orders.order_date <= {{ dbt.dateadd('day', -var('year_window_days'), 'as_of.as_of_date') }}
            as is_in_base_year
    from orders
    cross join as_of
    where orders.order_date <= as_of.as_of_date

),

-- the history covers both years when the first order falls on or before the base year's first day
history as (

    select
        min(windowed.order_date)
        <= {{ dbt.dateadd('day', 1 - 2 * var('year_window_days'), 'max(as_of.as_of_date)') }} as covers_two_years
    from windowed
    cross join as_of

),

buyers as (

    select
        customer_id,
        max(case when is_purchase and is_in_base_year then 1 else 0 end) = 1 as bought_in_base_year,
        max(case when is_purchase and is_in_last_year then 1 else 0 end) = 1 as bought_in_last_year
    from windowed
    group by customer_id

),

measured as (

    select
        coalesce(features.customer_type, 'unknown') as customer_type,
        count(*) as customers_counted,
        sum(case when buyers.bought_in_last_year then 1 else 0 end) as customers_retained
    from buyers
    inner join features
        on buyers.customer_id = features.customer_id
    where buyers.bought_in_base_year
    group by coalesce(features.customer_type, 'unknown')

),

customer_types as (

    select customer_type from seed_rates
    union
    select customer_type from measured

),

final as (

    select
        customer_types.customer_type,
        coalesce(measured.customers_counted, 0) as customers_counted,
        coalesce(measured.customers_retained, 0) as customers_retained,
        case
            when history.covers_two_years then
                cast(measured.customers_retained as {{ type_double() }}) / measured.customers_counted
        end as measured_retention_rate,
        seed_rates.retention_rate as seed_retention_rate,
        case
            when history.covers_two_years and measured.customers_counted >= {{ var('retention_min_customers') }}
                then cast(measured.customers_retained as {{ type_double() }}) / measured.customers_counted
            else seed_rates.retention_rate
        end as retention_rate,
        case
            when history.covers_two_years and measured.customers_counted >= {{ var('retention_min_customers') }}
                then 'measured'
            when seed_rates.retention_rate is not null then 'seed'
            else 'none'
        end as retention_source
    from customer_types
    left join measured
        on customer_types.customer_type = measured.customer_type
    left join seed_rates
        on customer_types.customer_type = seed_rates.customer_type
    cross join history

)

select * from final
