{#- Whether a table of the segmart CLV step (source segmart_clv) exists, for the Spark models
    that read it. Missing, with var clv_fit_failure error (the default), the build stops and says
    how to run the step; with warn the model builds its not_available stand-in. False while dbt
    parses (no warehouse to ask). -#}
{% macro clv_step_table_exists(relation) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if found is none and (var('clv_fit_failure') | string | trim | lower) != 'warn' -%}
        {{ exceptions.raise_compiler_error(
            "no " ~ relation ~ ": on " ~ target.type ~ " the CLV model is fitted by the segmart step between two dbt runs, "
            ~ "so build with `segmart build --target " ~ target.name ~ "` (or set the var clv_fit_failure: warn "
            ~ "to build without predictive CLV)"
        ) }}
    {%- endif -%}
    {{ return(found is not none) }}
{%- endmacro %}

{#- The columns of one BG/NBD + Gamma-Gamma fit (segmart.clv_step.FIT_COLUMNS), cast to their
    types, as the Spark models read them from the segmart step's tables; all NULL with
    nulls=true (a stand-in without the table). -#}
{% macro clv_fit_columns(nulls=false) -%}
    {%- set columns = [('clv_method', dbt.type_string())] -%}
    {%- for parameter in ['r', 'alpha', 'a', 'b', 'p', 'q', 'v', 'bg_nbd_log_likelihood', 'gamma_gamma_log_likelihood'] -%}
        {%- do columns.append((parameter, type_double())) -%}
    {%- endfor -%}
    {%- do columns.extend([
        ('customer_count', dbt.type_bigint()),
        ('repeat_customer_count', dbt.type_bigint()),
        ('converged', 'boolean'),
        ('failure_reason', dbt.type_string()),
        ('time_unit_days', type_double()),
        ('fit_sample_fraction', type_double()),
    ]) -%}
    {%- for name, type in columns %}
    cast({{ 'null' if nulls else name }} as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
