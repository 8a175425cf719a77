{#- The clv_model_parameters mart as BI tools and analysts read it: the columns of
    int_clv_parameters_selected (the fit this build scores with), named one by one so that the
    interface changes only on purpose (each documented in _value__models.yml). -#}
with

fitted as (

    select * from {{ ref('int_clv_parameters_selected') }}

),

final as (

    select
        as_of_date,
        fitted_as_of,
        fit_source,
        is_refit_this_build,
        fit_reason,
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
        fit_sample_fraction
    from fitted

)

select * from final
