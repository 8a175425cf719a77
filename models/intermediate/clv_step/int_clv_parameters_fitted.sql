{#- int_clv_parameters_fitted on Spark: the history of fits the segmart step keeps (source
    segmart_clv.clv_model_parameter_history: the step adds a fit on the schedule of
    clv_refit_every_days, as the DuckDB Python model does), read column by column with their
    types. Without that table (a plain `dbt build` instead of `segmart build --target spark`,
    clv_fit_failure warn): no fit; with error the build stops and says how to run the step
    (macro clv_step_table_exists). -#}
{%- set history = source('segmart_clv', 'clv_model_parameter_history') -%}
{%- set exists = clv_step_table_exists(history) -%}
select
    cast({{ 'fitted_as_of' if exists else 'null' }} as date) as fitted_as_of,
    {{ clv_fit_columns(nulls=not exists) }},
    cast({{ 'fit_settings' if exists else 'null' }} as {{ dbt.type_string() }}) as fit_settings,
    cast({{ 'fit_reason' if exists else 'null' }} as {{ dbt.type_string() }}) as fit_reason,
    cast({{ 'fitted_at' if exists else 'null' }} as {{ dbt.type_timestamp() }}) as fitted_at
{%- if exists %}
from {{ history }}
{%- else %}
where false
{%- endif %}
