{#- int_clv_parameters_selected on Spark: the fit the segmart step scored with (source
    segmart_clv.clv_model_parameters: the latest fit of the history not after the as-of date, or
    the pinned one, chosen by segmart.clv_step.select_fit as on DuckDB), read column by column
    with their types. Without that table (a plain `dbt build` instead of `segmart build --target
    spark`) and with clv_fit_failure warn: one row with the buyer counts, clv_method
    not_available and the reason, so the predictive columns are NULL and the rest builds; with
    error the build stops and says how to run the step (macro clv_step_table_exists). The test
    clv_step_tables_are_current fails when the table was chosen for another as-of date. -#}
{%- set selected = source('segmart_clv', 'clv_model_parameters') -%}
{%- set buyers = ref('int_customer_btyd_summarised') -%}
{%- set as_of = ref('int_as_of_date_resolved') -%}
{%- if clv_step_table_exists(selected) %}
select
    cast(as_of_date as date) as as_of_date,
    cast(fitted_as_of as date) as fitted_as_of,
    cast(fit_source as {{ dbt.type_string() }}) as fit_source,
    cast(is_refit_this_build as boolean) as is_refit_this_build,
    cast(fit_reason as {{ dbt.type_string() }}) as fit_reason,
    {{ clv_fit_columns() }}
from {{ selected }}
{%- else %}
select
    (select as_of_date from {{ as_of }}) as as_of_date,
    cast(null as date) as fitted_as_of,
    'history' as fit_source,
    false as is_refit_this_build,
    cast(null as {{ dbt.type_string() }}) as fit_reason,
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
