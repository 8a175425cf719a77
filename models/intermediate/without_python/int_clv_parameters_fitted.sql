{#- clv_model_parameters where dbt cannot run the Python fit (every engine but DuckDB; the
    Python model uses DuckDB's relation API). Same columns, one row: the sample counts, no
    parameters, clv_method not_available and the reason, so predictive columns downstream are
    NULL and the rest of the build goes on (DECISIONLOG.md "Spark"). Enabled in dbt_project.yml. -#}
with

buyers as (

    select * from {{ ref('int_customers_profiled') }}
    where not is_prospect

),

final as (

    select
        (select max(as_of_date) from {{ ref('int_customers_profiled') }}) as as_of_date,
        'not_available' as clv_method,
        {%- for parameter in ['r', 'alpha', 'a', 'b', 'p', 'q', 'v', 'bg_nbd_log_likelihood', 'gamma_gamma_log_likelihood'] %}
        cast(null as {{ type_double() }}) as {{ parameter }},
        {%- endfor %}
        count(*) as customer_count,
        count(case when btyd_frequency > 0 then 1 end) as repeat_customer_count,
        false as converged,
        'the BG/NBD and Gamma-Gamma fit is a dbt Python model, which runs on DuckDB only: no predictive CLV on {{ target.type }}'
            as failure_reason,
        cast({{ var('btyd_time_unit_days') }} as {{ type_double() }}) as time_unit_days
    from buyers

)

select * from final
