{#- The CLV back-test per customer (models/overview.md "Back-test"): every customer who bought
    on or before the calibration end, with the BTYD summary at that date, what the calibration
    fit predicted for the holdout and what the customer bought in it. -#}
with

summary as (

    select * from {{ ref('int_customer_btyd_calibration_summarised') }}

),

predicted as (

    select * from {{ ref('int_customer_clv_backtested') }}

),

fit as (

    select clv_method from {{ ref('int_clv_backtest_fitted') }}

),

final as (

    select
        summary.customer_id,
        summary.calibration_end_date,
        summary.holdout_end_date,
        summary.first_purchase_date,
        summary.btyd_frequency as btyd_frequency_cal,
        summary.btyd_recency as btyd_recency_cal,
        summary.btyd_t as btyd_t_cal,
        summary.btyd_monetary_value as btyd_monetary_value_cal,
        summary.holdout_duration,
        fit.clv_method,
        predicted.p_alive_cal,
        predicted.predicted_holdout_purchases,
        summary.actual_holdout_purchases,
        predicted.predicted_holdout_revenue,
        cast(summary.actual_holdout_revenue as {{ type_double() }}) as actual_holdout_revenue
    from summary
    inner join predicted
        on summary.customer_id = predicted.customer_id
    cross join fit

)

select * from final
