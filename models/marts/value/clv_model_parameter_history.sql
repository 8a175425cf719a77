{#- The clv_model_parameter_history mart as BI tools and analysts read it: every BG/NBD and
    Gamma-Gamma fit kept (int_clv_parameters_fitted), named one by one so that the interface
    changes only on purpose (each documented in _value__models.yml). Published as Parquet, it is
    also a file the var clv_parameters_pin can pin to (README "Configuration"). -#}
with

fits as (

    select * from {{ ref('int_clv_parameters_fitted') }}

),

final as (

    select
        fitted_as_of,
        clv_method,
        r,
        alpha,
        a,
        b,
        p,
        q,
        v,
        bg_nbd_log_likelihood,
        gamma_gamma_log_likelihood,
        customer_count,
        repeat_customer_count,
        converged,
        failure_reason,
        time_unit_days,
        fit_sample_fraction,
        fit_settings,
        fit_reason,
        fitted_at
    from fits

)

select * from final
