{#- The back-test's customers by day, up to the holdout end: how many made their first purchase
    that day, and how many repeat purchases (purchase days after the first) they made that day.
    What the tracking series (int_clv_backtest_tracked) adds up week by week. -#}
with

customers as (

    select
        customer_id,
        first_purchase_date,
        holdout_end_date
    from {{ ref('int_customer_btyd_calibration_summarised') }}

),

firsts as (

    select
        first_purchase_date as purchase_date,
        count(*) as first_purchases
    from customers
    group by first_purchase_date

),

repeats as (

    select
        customer_days.purchase_date,
        count(*) as repeat_purchases
    from {{ ref('int_customer_days_collapsed') }} as customer_days
    inner join customers
        on customer_days.customer_id = customers.customer_id
    where
        customer_days.purchase_date > customers.first_purchase_date
        and customer_days.purchase_date <= customers.holdout_end_date
    group by customer_days.purchase_date

),

final as (

    select
        coalesce(firsts.purchase_date, repeats.purchase_date) as purchase_date,
        coalesce(firsts.first_purchases, 0) as first_purchases,
        coalesce(repeats.repeat_purchases, 0) as repeat_purchases
    from firsts
    full outer join repeats
        on firsts.purchase_date = repeats.purchase_date

)

select * from final
