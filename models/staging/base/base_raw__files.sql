{#- Every raw file landed in a table's folder (<raw>/<table>/*.parquet), recorded once, when a
    build first reads it: its SHA-256, size, modification time, rows and first position (the
    position after the table's files recorded before, plus the rows of its new files sorting
    before it). Before the base models run, an incremental build checks the recorded files
    against the folder and stops with one line on a file that changed or disappeared, or a new
    file sorting before them (macros/sources/landed_files.sql). Tables that are one file are not
    recorded. Empty on Spark, which reads a folder whole through its view (register_raw_sources). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
) }}

{%- set new_files = raw_files_to_record() %}

with

{% if new_files -%}

listed as (

    select
        landed.raw_table,
        landed.file_name,
        landed.file_path,
        landed.recorded_end
    from (
        values
        {%- for file in new_files %}
        (
            {{ sql_string(file.raw_table) }},
            {{ sql_string(file.file_name) }},
            {{ sql_string(file.path) }},
            cast({{ file.recorded_end }} as bigint)
        ){{ ',' if not loop.last }}
        {%- endfor %}
    ) as landed (raw_table, file_name, file_path, recorded_end)

),

contents as (

    select
        blobs.filename as file_path,
        blobs.size as file_size,
        cast(timezone('UTC', blobs.last_modified) as timestamp) as file_modified_at,
        -- read in pieces by the segmart dbt-duckdb plugin, not as one blob in memory
        segmart_file_sha256(blobs.filename) as file_digest
    from read_blob({{ sql_string_list(new_files | map(attribute='path')) }}) as blobs

),

row_counts as (

    select
        footers.file_name as file_path,
        footers.num_rows as row_count
    from parquet_file_metadata({{ sql_string_list(new_files | map(attribute='path')) }}) as footers

),

final as (

    select
        listed.raw_table,
        listed.file_name,
        contents.file_digest,
        contents.file_size,
        contents.file_modified_at,
        row_counts.row_count,
        cast(
            listed.recorded_end
            + coalesce(sum(row_counts.row_count) over (
                partition by listed.raw_table order by listed.file_name
                rows between unbounded preceding and 1 preceding
            ), 0)
            as bigint
        ) as first_row_number,
        {{ build_started_at() }} as staged_at
    from listed
    inner join contents
        on listed.file_path = contents.file_path
    inner join row_counts
        on listed.file_path = row_counts.file_path

)

{%- else %}

final as (

    select
        cast(null as {{ dbt.type_string() }}) as raw_table,
        cast(null as {{ dbt.type_string() }}) as file_name,
        cast(null as {{ dbt.type_string() }}) as file_digest,
        cast(null as bigint) as file_size,
        cast(null as timestamp) as file_modified_at,
        cast(null as bigint) as row_count,
        cast(null as bigint) as first_row_number,
        {{ build_started_at() }} as staged_at
    from (select 1 as no_row) as no_rows
    where 1 = 0

)

{%- endif %}

select * from final
