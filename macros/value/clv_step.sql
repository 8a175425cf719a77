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
