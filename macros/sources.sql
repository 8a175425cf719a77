{#- Raw sources on engines that cannot read a file as a table in place.

    dbt-duckdb reads each raw Parquet file straight from its path (the source's
    external_location, with file_row_number). Spark has no such source option: before a run,
    register_raw_sources() creates one view per raw table over its file in the source's schema,
    with the file position as file_row_number (Parquet's _metadata.row_index, 0-based like
    DuckDB's). The folder is the same env var, SEGMART_RAW_DIR: a local path, or an object
    storage path (s3a://, abfss://, gs://) on a cluster. Runs as an on-run-start hook. -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'segmart')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    {#- the source reads its file itself -#}
    select 1
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- set raw_dir = env_var('SEGMART_RAW_DIR', 'data/raw') -%}
        {%- set schemas = [] -%}
        {%- for source_node in graph.sources.values() if source_node.source_name == 'raw' -%}
            {%- if source_node.schema not in schemas -%}
                {%- do run_query('create database if not exists ' ~ source_node.schema) -%}
                {%- do schemas.append(source_node.schema) -%}
            {%- endif -%}
            {%- do run_query(
                'create or replace view ' ~ source_node.schema ~ '.' ~ source_node.identifier
                ~ ' as select *, _metadata.row_index as file_row_number from parquet.`'
                ~ raw_dir ~ '/' ~ source_node.identifier ~ '.parquet`'
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
