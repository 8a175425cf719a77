{#- The clv_model_parameters mart as BI tools and analysts read it: the columns of
    int_clv_parameters_fitted, named one by one so that the interface changes only on purpose
    (each documented in _value__models.yml). -#}
with

fitted as (

    select * from {{ ref('int_clv_parameters_fitted') }}

),

final as (

    select
        as_of_date,
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
