{#- Cohort retention: buyers grouped by the month of their first purchase, and the share of each
    cohort that bought again in each later month (month 0 is the first purchase). It reads the
    netted orders, a private model: a member of the project's group (no mart is order-grained). -#}
{{ config(group='segmart') }}
with

purchases as (

    select
        customer_id,
        {{ dbt.date_trunc('month', 'order_date') }} as order_month
    from {{ ref('int_orders_netted') }}
    where is_purchase

),

first_months as (

    select
        customer_id,
        min(order_month) as cohort_month
    from purchases
    group by customer_id

),

activity as (

    select distinct
        first_months.cohort_month,
        purchases.customer_id,
        {{ dbt.datediff('first_months.cohort_month', 'purchases.order_month', 'month') }}
            as months_since_first
    from purchases
    inner join first_months
        on purchases.customer_id = first_months.customer_id

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_customers
    from first_months
    group by cohort_month

)

select
    activity.cohort_month,
    activity.months_since_first,
    cohort_sizes.cohort_customers,
    count(*) as active_customers,
    {{ share_of('count(*)', 'cohort_sizes.cohort_customers') }} as retention_rate
from activity
inner join cohort_sizes
    on activity.cohort_month = cohort_sizes.cohort_month
group by activity.cohort_month, activity.months_since_first, cohort_sizes.cohort_customers
order by activity.cohort_month, activity.months_since_first
