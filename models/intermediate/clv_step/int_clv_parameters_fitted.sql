{#- int_clv_parameters_fitted on Spark: the parameters the segmart step fitted (source
    segmart_clv.clv_model_parameters), read column by column with their types. Without that
    table (a plain `dbt build` instead of `segmart build --target spark`) and with
    clv_fit_failure warn: one row with the buyer counts, clv_method not_available and the
    reason, so the predictive columns are NULL and the rest builds; with error the build stops
    and says how to run the step (macro clv_step_table_exists). The test
    clv_step_tables_are_current fails when the table was fitted for another as-of date. -#}
{%- set fitted = source('segmart_clv', 'clv_model_parameters') -%}
{%- set buyers = ref('int_customer_btyd_summarised') -%}
{%- set as_of = ref('int_as_of_date_resolved') -%}
{%- if clv_step_table_exists(fitted) %}
select
    cast(as_of_date as date) as as_of_date,
    cast(clv_method as {{ dbt.type_string() }}) as clv_method,
    {%- for parameter in ['r', 'alpha', 'a', 'b', 'p', 'q', 'v', 'bg_nbd_log_likelihood', 'gamma_gamma_log_likelihood'] %}
    cast({{ parameter }} as {{ type_double() }}) as {{ parameter }},
    {%- endfor %}
    cast(customer_count as {{ dbt.type_bigint() }}) as customer_count,
    cast(repeat_customer_count as {{ dbt.type_bigint() }}) as repeat_customer_count,
    cast(converged as boolean) as converged,
    cast(failure_reason as {{ dbt.type_string() }}) as failure_reason,
    cast(time_unit_days as {{ type_double() }}) as time_unit_days,
    cast(fit_sample_fraction as {{ type_double() }}) as fit_sample_fraction
from {{ fitted }}
{%- else %}
select
    (select as_of_date from {{ as_of }}) as as_of_date,
    'not_available' as clv_method,
    {%- for parameter in ['r', 'alpha', 'a', 'b', 'p', 'q', 'v', 'bg_nbd_log_likelihood', 'gamma_gamma_log_likelihood'] %}
    cast(null as {{ type_double() }}) as {{ parameter }},
    {%- endfor %}
    count(*) as customer_count,
    count(case when btyd_frequency > 0 then 1 end) as repeat_customer_count,
    false as converged,
    'no CLV fit on {{ target.type }}: the segmart step fits it between two dbt runs, so build with `segmart build --target {{ target.name }}`'
        as failure_reason,
    cast({{ var('btyd_time_unit_days') }} as {{ type_double() }}) as time_unit_days,
    cast(1 as {{ type_double() }}) as fit_sample_fraction
from {{ buyers }}
{%- endif %}
