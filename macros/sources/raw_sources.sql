{#- Raw sources on engines that cannot read a file as a table in place.

    dbt-duckdb reads each raw Parquet file straight from its path (the source's
    external_location, with file_row_number; a table landed as a folder of files: raw_source).
    Spark has no such source option: before a run, register_raw_sources() creates one view per raw
    table over its file, or over the files of its folder (<table>/*.parquet, macros/sources/landed_files.sql),
    in the source's schema, with the row's position as file_row_number: Parquet's
    _metadata.row_index (0-based like DuckDB's), plus, for a folder, the rows of the earlier files
    in name order (counted at registration), the positions DuckDB gives. The folder is the same
    env var, SEGMART_RAW_DIR: a local path, or an object storage path (s3a://, abfss://, gs://) on a
    cluster. Runs as an on-run-start hook. Nothing to register when the sources point at tables
    (segmart_raw_schema) or for a table switched off. -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'segmart')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    {#- the source reads its file itself -#}
    select 1
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute and not raw_sources_are_tables() -%}
        {%- set schemas = [] -%}
        {%- for source_node in graph.sources.values()
            if source_node.source_name == 'raw' and raw_source_is_used(source_node.name) -%}
            {%- if source_node.schema not in schemas -%}
                {%- do run_query('create database if not exists ' ~ source_node.schema) -%}
                {%- do schemas.append(source_node.schema) -%}
            {%- endif -%}
            {%- set table = raw_folder() ~ '/' ~ source_node.name -%}
            {#- the file or the folder's files (a Hadoop glob), with their rows, in name order -#}
            {%- set pattern = raw_folder() ~ '/{' ~ source_node.name ~ '.parquet,' ~ source_node.name ~ '/*.parquet}' -%}
            {%- set files = run_query(
                'select _metadata.file_path, _metadata.file_name, count(*) from parquet.`' ~ pattern ~ '`'
                ~ ' group by 1, 2 order by 1'
            ) -%}
            {%- set depths = [] -%}
            {%- for row in files.rows -%}
                {%- do depths.append(row[0].count('/')) -%}
            {%- endfor -%}
            {%- if depths | unique | list | length > 1 -%}
                {{ exceptions.raise_compiler_error(
                    table ~ ".parquet: raw table " ~ source_node.name ~ " is both this file and the folder " ~ table
                    ~ "/ (keep one: move the file into the folder, named to sort before the others)") }}
            {%- endif -%}
            {#- several files: the folder's, named one by one (a file landing during the run is not read) -#}
            {%- set position = namespace(sql='_metadata.row_index', first=0, names=[]) -%}
            {%- if files.rows | length > 1 -%}
                {%- set position.sql = position.sql ~ ' + case _metadata.file_path' -%}
                {%- for row in files.rows -%}
                    {%- set position.sql = position.sql ~ ' when ' ~ sql_string(row[0]) ~ ' then ' ~ position.first -%}
                    {%- set position.first = position.first + row[2] -%}
                    {%- do position.names.append(row[1]) -%}
                {%- endfor -%}
                {%- set position.sql = position.sql ~ ' end' -%}
            {%- endif -%}
            {%- set path = table ~ '/{' ~ position.names | join(',') ~ '}' if files.rows | length > 1
                else (files.rows[0][0] if files.rows | length == 1 else pattern) -%}
            {%- do run_query(
                'create or replace view ' ~ source_node.schema ~ '.' ~ source_node.identifier
                ~ ' as select *, ' ~ position.sql ~ ' as file_row_number from parquet.`' ~ path ~ '`'
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- What a base model reads for a raw table: the raw layout (the source's columns, as text)
    and file_row_number, the row's position. Raw tables already in a warehouse: README "Use your
    own tables", DECISIONLOG.md "Tables already in a warehouse"; raw files landed one by one in
    a folder: macros/sources/landed_files.sql. The base models read raw_source(table, files)
    instead of source(), with files = ref('base_raw__files').

    - Default (segmart_raw_schema null), a table that is one file: the source as declared, i.e.
      the raw Parquet file in SEGMART_RAW_DIR (dbt-duckdb's external_location; Spark's view): the
      SQL of today.
    - A table that is a folder of files <table>/*.parquet (DuckDB; Spark's view reads the folder):
      its files in name order (raw_landed_source), positions continuing from file to file; the
      running base model's incremental run reads only the files it has not staged.
    - segmart_raw_schema set: the table segmart_<table>_identifier in segmart_raw_database (default
      the target's database) and segmart_raw_schema, or where a mapping {database, schema,
      identifier} in that var says. Each raw layout column (the source's declared columns: one
      list, models/staging/_staging__sources.yml) is cast to text, a missing one is NULL, and
      file_row_number is the row's position in the order of the layout columns (the key first).
      dbt-duckdb's external_location is not used: the relation is built from these vars.
    - segmart__using_<table> false (customers, order_items, wallet_survey, customer_events):
      an empty relation with the text columns; customers switched off are the distinct customer
      ids of the orders, as `segmart import` writes them without a customers file.
    In a unit test, the source as declared (its given rows are the raw layout already).
    A query in parentheses with an alias, or a relation: both follow `from`. -#}
{% macro raw_source(table, files=none) -%}
    {%- if model is mapping and model.get('resource_type') == 'unit_test' -%}
        {#- a unit test's given rows stand in for the raw table, in the raw layout already -#}
        {{ source('raw', table) }}
    {%- elif not raw_source_is_used(table) and table == 'customers' -%}
        {{ raw_customers_from_orders(raw_layout_columns(table), files) }}
    {%- elif not raw_source_is_used(table) -%}
        ({{ raw_empty_rows(raw_layout_columns(table)) }}) as raw_{{ table }}
    {%- elif raw_sources_are_tables() -%}
        {{ raw_table_as_text(table, raw_layout_columns(table)) }}
    {%- else -%}
        {%- set landed = raw_landed_files(table, files) -%}
        {%- if landed -%}
            {{ raw_landed_source(table, landed) }}
        {%- else -%}
            {{ source('raw', table) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Whether the sources point at tables in a warehouse (segmart_raw_schema set, not empty)
    instead of the raw files. -#}
{% macro raw_sources_are_tables() -%}
    {{ return(var('segmart_raw_schema', none) not in [none, '']) }}
{%- endmacro %}

{#- Whether a raw table is read (orders always; the others unless segmart__using_<table> is false). -#}
{% macro raw_source_is_used(table) -%}
    {{ return(table == 'orders' or var('segmart__using_' ~ table, true) | string | lower not in ['false', '0', 'no']) }}
{%- endmacro %}

{#- The raw layout's columns of a table, in order: the columns declared on the source. -#}
{% macro raw_layout_columns(table) -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for source_node in graph.get('sources', {}).values() if source_node.source_name == 'raw' and source_node.name == table -%}
            {%- for column in source_node.columns -%}
                {%- do columns.append(column) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}

{#- The columns a raw table must have (the source table's meta required_columns). -#}
{% macro raw_required_columns(table) -%}
    {%- set required = [] -%}
    {%- if execute -%}
        {%- for source_node in graph.get('sources', {}).values() if source_node.source_name == 'raw' and source_node.name == table -%}
            {%- do required.extend(source_node.meta.get('required_columns', [])) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(required) }}
{%- endmacro %}

{#- The relation of a raw table in a warehouse. source() is called for lineage (the base model
    depends on the declared source in docs and selectors); the relation itself is built from the
    vars, so dbt-duckdb's external_location (the file) is not used. -#}
{% macro raw_table_relation(table) -%}
    {%- set declared = source('raw', table) -%}
    {%- set location = var('segmart_' ~ table ~ '_identifier', table) -%}
    {%- set location = location if location is mapping else {'identifier': location} -%}
    {{ return(api.Relation.create(
        database=location.get('database', var('segmart_raw_database', none) or declared.database),
        schema=location.get('schema', var('segmart_raw_schema')),
        identifier=location.get('identifier', table),
        type='table',
    )) }}
{%- endmacro %}

{#- A raw table in a warehouse as the raw layout: every layout column as text (NULL when the
    table lacks it; other columns ignored) and file_row_number, 0-based, in the order of the
    layout columns it has, typed (the key comes first: numeric ids sort as numbers). -#}
{% macro raw_table_as_text(table, columns) -%}
    {%- set relation = raw_table_relation(table) -%}
    {%- set present = {} -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.update({column.name | lower: column}) -%}
        {%- endfor -%}
        {%- if not present -%}
            {{ exceptions.raise_compiler_error(
                "raw table " ~ table ~ ": " ~ relation ~ " not found (set segmart_" ~ table ~ "_identifier"
                ~ ("" if table == 'orders' else " or segmart__using_" ~ table ~ ": false") ~ ")") }}
        {%- endif -%}
        {%- set missing = raw_required_columns(table) | reject('in', present) | list -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                "raw table " ~ table ~ ": " ~ relation ~ " has no column " ~ missing | join(', ')) }}
        {%- endif -%}
    {%- endif -%}
    {%- set ordered = columns | select('in', present) | list -%}
    (
        select
            {%- for column in columns %}
            {% if column in present -%}
                {{ raw_text(adapter.quote(present[column].name), present[column].dtype) }}
            {%- else -%}
                cast(null as {{ dbt.type_string() }})
            {%- endif %} as {{ column }},
            {%- endfor %}
            row_number() over (
                order by {% for column in ordered %}{{ adapter.quote(present[column].name) }} nulls last{% if not loop.last %}, {% endif %}{% endfor %}
            ) - 1 as file_row_number
        from {{ relation }}
    ) as raw_{{ table }}
{%- endmacro %}

{#- The customers of the orders when there is no customers table: the distinct trimmed,
    non-empty customer ids in text order, every other column NULL. files: as for raw_source. -#}
{% macro raw_customers_from_orders(columns, files=none) -%}
    (
        select
            {%- for column in columns %}
            {% if column == 'customer_id' -%}
                customer_id
            {%- else -%}
                cast(null as {{ dbt.type_string() }})
            {%- endif %} as {{ column }},
            {%- endfor %}
            row_number() over (order by customer_id) - 1 as file_row_number
        from (
            select distinct trim(customer_id) as customer_id
            from (select customer_id from {{ raw_source('orders', files) }}) as orders
            where trim(customer_id) != ''
        ) as order_customers
    ) as raw_customers
{%- endmacro %}

{#- A typed column as the text a raw file would carry. Timestamps without a zone become
    YYYY-MM-DD HH:MM:SS[.ffffff] (local time, as staging reads raw text); timestamps with a zone
    become UTC with a Z (seconds; sub-seconds dropped, the form staging parses with a zone). -#}
{% macro raw_text(column, data_type) -%}
    {{ return(adapter.dispatch('raw_text', 'segmart')(column, data_type)) }}
{%- endmacro %}

{% macro default__raw_text(column, data_type) -%}
    {%- set type = data_type | lower -%}
    {%- if 'time zone' in type or type == 'timestamptz' -%}
        strftime(timezone('UTC', {{ column }}), '%Y-%m-%dT%H:%M:%SZ')
    {%- elif type.startswith('timestamp') -%}
        cast(cast({{ column }} as timestamp) as {{ dbt.type_string() }})
    {%- else -%}
        cast({{ column }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#- Spark's timestamp carries a zone (the session's): written in UTC with a Z. -#}
{% macro spark__raw_text(column, data_type) -%}
    {%- set type = data_type | lower -%}
    {%- if type == 'timestamp' or type == 'timestamp_ltz' -%}
        date_format(to_utc_timestamp({{ column }}, current_timezone()), "yyyy-MM-dd'T'HH:mm:ss'Z'")
    {%- else -%}
        cast({{ column }} as string)
    {%- endif -%}
{%- endmacro %}
