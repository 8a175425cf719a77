{#- The CLV back-test's fit (int_clv_backtest_fitted): BG/NBD and Gamma-Gamma fitted on the
    calibration period with the production fit's code and settings, one row, with the back-test's
    dates. Kept apart from clv_model_parameter_history (DECISIONLOG.md "The back-test's fit has
    a mart of its own"). -#}
with

fit as (

    select * from {{ ref('int_clv_backtest_fitted') }}

),

dates as (

    select * from {{ ref('int_clv_backtest_dates_resolved') }}

),

final as (

    select
        dates.calibration_end_date,
        dates.holdout_end_date,
        fit.clv_method,
        fit.r,
        fit.alpha,
        fit.a,
        fit.b,
        fit.p,
        fit.q,
        fit.v,
        fit.bg_nbd_log_likelihood,
        fit.gamma_gamma_log_likelihood,
        fit.customer_count,
        fit.repeat_customer_count,
        fit.converged,
        fit.failure_reason,
        fit.time_unit_days,
        fit.fit_sample_fraction,
        fit.fit_settings,
        fit.fitted_at
    from fit
    cross join dates

)

select * from final
