{#- On DuckDB, drop the __dbt_tmp relations dbt left behind (an incremental Python model's
    temporary table stays in the target schema): BI tools and analysts must not see them. -#}
{% macro drop_leftover_temp_relations() -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set leftovers = run_query(
            "select table_schema, table_name, table_type from information_schema.tables "
            ~ "where table_catalog = current_database() and table_name like '%\\_\\_dbt\\_tmp%' escape '\\'"
        ) -%}
        {%- for row in leftovers.rows -%}
            {%- set kind = 'view' if row[2] == 'VIEW' else 'table' -%}
            {%- do run_query('drop ' ~ kind ~ ' if exists "' ~ row[0] ~ '"."' ~ row[1] ~ '"') -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
