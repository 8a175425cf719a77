{#- Raw tables landed as files (README "Daily loads: one new file per export", DECISIONLOG.md
    "Raw exports land as new files").

    A raw table is one file, <raw>/<table>.parquet, or a folder of files, <raw>/<table>/*.parquet
    (a landing zone: one file per export, e.g. orders/2026-11-30.parquet), read in file-name
    order. Files whose name starts with . or _ are not data (temporary files, _SUCCESS markers),
    as Spark reads folders. A row's position (file_row_number, staged as raw_row_number) is the
    rows of the table's earlier files in name order plus its 0-based row within its file: a file
    that lands later and sorts after the others never moves a staged row, and a folder holding one
    file numbers its rows as that one file would.

    base_raw__files records every landed file with its digest, size, modification time, row
    count and first position. In an incremental run a base model reads only the files past its
    highest raw_row_number; the rows it re-checks (quarantined for a reason that can pass later)
    come from its own stored rows, whose raw text staging keeps (raw_restaged_rows). A landed file
    must not change: base_raw__files stops the build with one line naming a recorded file that
    changed or disappeared, or a new file that sorts before a recorded one. -#}

{#- The raw folder (env SEGMART_RAW_DIR, as the sources read it), without a trailing slash. -#}
{% macro raw_folder() -%}
    {{ return(env_var('SEGMART_RAW_DIR', 'data/raw').rstrip('/')) }}
{%- endmacro %}

{#- A value as an SQL string literal. -#}
{% macro sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- Values as an SQL list of string literals: ['a', 'b']. -#}
{% macro sql_string_list(values) -%}
    [{% for value in values %}{{ sql_string(value) }}{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endmacro %}

{#- The names of the raw tables (the sources of the raw source). -#}
{% macro raw_table_names() -%}
    {%- set names = [] -%}
    {%- for source_node in graph.get('sources', {}).values() if source_node.source_name == 'raw' -%}
        {%- do names.append(source_node.name) -%}
    {%- endfor -%}
    {{ return(names | sort(case_sensitive=true)) }}
{%- endmacro %}

{#- The data files of a raw table landed as a folder, in name order: their paths; empty for a
    table that is one file, not read from the raw folder, or at parse time. Stops with one line
    when the table is both a file and a folder. Dispatched: Spark reads a folder through the view
    register_raw_sources makes, so nothing is listed there. -#}
{% macro raw_landed_paths(table) -%}
    {{ return(adapter.dispatch('raw_landed_paths', 'segmart')(table)) }}
{%- endmacro %}

{% macro default__raw_landed_paths(table) -%}
    {%- set paths = [] -%}
    {%- if execute and not raw_sources_are_tables() and raw_source_is_used(table) -%}
        {%- set folder = raw_folder() ~ '/' ~ table -%}
        {%- set listed = run_query(
            'select file from glob(' ~ sql_string(folder ~ '/*.parquet') ~ ') order by file'
        ).columns[0].values() -%}
        {%- for path in listed if not path.split('/')[-1].startswith(('.', '_')) -%}
            {%- do paths.append(path) -%}
        {%- endfor -%}
        {%- if paths and run_query(
            'select count(*) from glob(' ~ sql_string(folder ~ '.parquet') ~ ')'
        ).columns[0].values()[0] > 0 -%}
            {{ exceptions.raise_compiler_error(
                folder ~ ".parquet: raw table " ~ table ~ " is both this file and the folder " ~ folder
                ~ "/ (keep one: move the file into the folder, named to sort before the others)") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(paths) }}
{%- endmacro %}

{% macro spark__raw_landed_paths(table) -%}
    {{ return([]) }}
{%- endmacro %}

{#- The landed files of a raw table, in name order: [{path, row_count, first_row_number}], empty
    for a table that is one file. Positions come from base_raw__files (`files`) when it records
    every file, else from the files' Parquet footers (the same numbering). -#}
{% macro raw_landed_files(table, files=none) -%}
    {%- set paths = raw_landed_paths(table) -%}
    {%- set landed = [] -%}
    {%- if paths -%}
        {%- set recorded = {} -%}
        {%- if files is not none and load_relation(files) is not none -%}
            {%- for row in run_query(
                'select file_name, row_count, first_row_number from ' ~ files ~ ' where raw_table = ' ~ sql_string(table)
            ).rows -%}
                {%- do recorded.update({row[0]: {'row_count': row[1], 'first_row_number': row[2]}}) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- set unrecorded = [] -%}
        {%- for path in paths if path.split('/')[-1] not in recorded -%}
            {%- do unrecorded.append(path) -%}
        {%- endfor -%}
        {%- if unrecorded -%}
            {%- set measured = run_query(
                'select num_rows, coalesce(sum(num_rows) over (order by file_name rows between unbounded preceding'
                ~ ' and 1 preceding), 0) from parquet_file_metadata(' ~ sql_string_list(paths) ~ ') order by file_name'
            ) -%}
            {%- for row in measured.rows -%}
                {%- do landed.append({'path': paths[loop.index0], 'row_count': row[0], 'first_row_number': row[1]}) -%}
            {%- endfor -%}
        {%- else -%}
            {%- for path in paths -%}
                {%- set file = recorded[path.split('/')[-1]] -%}
                {%- do landed.append({'path': path, 'row_count': file.row_count, 'first_row_number': file.first_row_number}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(landed) }}
{%- endmacro %}

{#- A raw table landed as files, as the raw layout (text columns and file_row_number). A full
    read: every file. In an incremental run of the model staging the table: the files holding rows
    past its highest raw_row_number, and its stored rejected rows (raw_restaged_rows), of which
    raw_rows_to_stage keeps the ones it re-checks. -#}
{% macro raw_landed_source(table, landed) -%}
    {%- set columns = raw_layout_columns(table) -%}
    {%- set incremental = config.get('materialized') == 'incremental' and is_incremental() -%}
    {%- set staged_until = -1 -%}
    {%- if incremental -%}
        {%- set staged_until = run_query('select coalesce(max(raw_row_number), -1) from ' ~ this).columns[0].values()[0] -%}
        {%- for file in landed if file.first_row_number <= staged_until < file.first_row_number + file.row_count - 1 -%}
            {{ exceptions.raise_compiler_error(
                file.path ~ ": holds rows " ~ this ~ " staged (up to raw_row_number " ~ staged_until ~ ") and rows it did not: "
                ~ "the staged rows do not come from these files (a table switched between one file and a folder?); "
                ~ "rebuild in full (segmart build starts a new warehouse for a new dataset; dbt: --full-refresh)") }}
        {%- endfor -%}
    {%- endif -%}
    {%- set unstaged = landed | selectattr('row_count', 'gt', 0) | selectattr('first_row_number', 'gt', staged_until) | list -%}
    (
        {%- if unstaged %}
        {{ raw_landed_rows(columns, unstaged) }}
        {%- else %}
        {{ raw_empty_rows(columns) }}
        {%- endif %}
        {%- if incremental %}
        union all
        {{ raw_restaged_rows(table, columns) }}
        {%- endif %}
    ) as raw_{{ table }}
{%- endmacro %}

{#- The rows of landed files (each {path, first_row_number}) with their positions: the file's
    first position plus the row's within the file. Columns by name: a file's column order does
    not matter, and a column it lacks is NULL (segmart check / segmart build refuse such a file). -#}
{% macro raw_landed_rows(columns, files) -%}
    select
        {%- for column in columns %}
        landed.{{ column }},
        {%- endfor %}
        [{{ files | map(attribute='first_row_number') | join(', ') }}][cast(landed.file_index as bigint) + 1]
        + landed.file_row_number as file_row_number
    from read_parquet(
        {{ sql_string_list(files | map(attribute='path')) }},
        file_row_number = true,
        union_by_name = true
    ) as landed
{%- endmacro %}

{#- No row, with the raw layout's text columns and file_row_number. -#}
{% macro raw_empty_rows(columns) -%}
    select
        {%- for column in columns %}
        cast(null as {{ dbt.type_string() }}) as {{ column }},
        {%- endfor %}
        cast(null as bigint) as file_row_number
    from (select 1 as no_row) as no_rows
    where 1 = 0
{%- endmacro %}

{#- The running base model's stored rejected rows as raw rows: each raw column from the base
    column that keeps its text (raw_staged_as), the position from raw_row_number. A rejected row
    keeps the raw text of every column it parses; ids and labels are kept trimmed (and labels
    lower-cased), which staging reads back as the same values. -#}
{% macro raw_restaged_rows(table, columns) -%}
    {%- set staged_as = raw_staged_as(table) -%}
    select
        {%- for column in columns %}
        cast({{ staged_as.get(column, column) }} as {{ dbt.type_string() }}) as {{ column }},
        {%- endfor %}
        raw_row_number as file_row_number
    from {{ this }}
    where rejection_reason is not null
{%- endmacro %}

{#- The base model column holding each raw column's text on a rejected row: the source
    column's meta staged_as, where it is not the column's own name. -#}
{% macro raw_staged_as(table) -%}
    {%- set staged_as = {} -%}
    {%- if execute -%}
        {%- for source_node in graph.get('sources', {}).values() if source_node.source_name == 'raw' and source_node.name == table -%}
            {%- for name, column in source_node.columns.items() if column.meta.get('staged_as') -%}
                {%- do staged_as.update({name: column.meta['staged_as']}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(staged_as) }}
{%- endmacro %}

{#- base_raw__files: the landed files this run records, [{raw_table, file_name, path,
    recorded_end}] in name order, recorded_end being the position after the table's recorded
    files (0 if none): every landed file in a full refresh; in an incremental run the files not recorded yet,
    after checking the recorded ones against the folder: a recorded file that is gone, or whose
    size, or modification time and SHA-256, differs, and a new file that sorts before a recorded
    one of its table, stop the build with one line naming the file. Only files whose size or
    modification time moved are read (for their digest). -#}
{% macro raw_files_to_record() -%}
    {%- set new_files = [] -%}
    {%- if execute -%}
        {%- set recorded = {} -%}
        {%- if is_incremental() -%}
            {%- for row in run_query(
                'select raw_table, file_name, file_size, cast(file_modified_at as ' ~ dbt.type_string() ~ '), file_digest,'
                ~ ' cast(staged_at as ' ~ dbt.type_string() ~ '), first_row_number + row_count from ' ~ this
                ~ ' order by raw_table, file_name'
            ).rows -%}
                {%- do recorded.setdefault(row[0], {}).update({row[1]: row}) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- for table in raw_table_names() -%}
            {%- set folder = raw_folder() ~ '/' ~ table ~ '/' -%}
            {%- set paths = raw_landed_paths(table) -%}
            {%- set listed = {} -%}
            {%- if paths -%}
                {%- for row in run_query(
                    'select filename, size, cast(cast(timezone(\'UTC\', last_modified) as timestamp) as ' ~ dbt.type_string()
                    ~ ') from read_blob(' ~ sql_string_list(paths) ~ ')'
                ).rows -%}
                    {%- do listed.update({row[0].split('/')[-1]: row}) -%}
                {%- endfor -%}
            {%- endif -%}
            {%- set before = recorded.get(table, {}) -%}
            {%- for name, stored in before.items() -%}
                {%- set current = listed.get(name) -%}
                {%- set changed = current is none or current[1] != stored[2] or (current[2] != stored[3] and run_query(
                    'select segmart_file_sha256(' ~ sql_string(folder ~ name) ~ ')').columns[0].values()[0] != stored[4]) -%}
                {%- if changed -%}
                    {{ exceptions.raise_compiler_error(
                        folder ~ name ~ ": landed file " ~ ("staged on " ~ stored[5] ~ " is gone" if current is none
                            else "changed since it was staged on " ~ stored[5] ~ " (size, or modification time and SHA-256)")
                        ~ "; a landed file must not change (base_raw__files records it): land a correction as a new "
                        ~ "file, or rebuild in full (segmart build starts a new warehouse for a changed dataset; dbt: "
                        ~ "--full-refresh)") }}
                {%- endif -%}
            {%- endfor -%}
            {%- set last = before.keys() | sort(case_sensitive=true) | last if before else none -%}
            {%- for path in paths -%}
                {%- set name = path.split('/')[-1] -%}
                {%- if name not in before -%}
                    {%- if last is not none and name < last -%}
                        {{ exceptions.raise_compiler_error(
                            path ~ ": new raw file sorts before " ~ folder ~ last ~ ", staged already; files are read in "
                            ~ "name order, so a new file must sort after the staged ones (name them by date, e.g. "
                            ~ "2026-11-30.parquet), or rebuild in full (segmart build: a new dataset; dbt: --full-refresh)") }}
                    {%- endif -%}
                    {%- do new_files.append({
                        'raw_table': table, 'file_name': name, 'path': path,
                        'recorded_end': before.values() | map(attribute=6) | max if before else 0,
                    }) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(new_files) }}
{%- endmacro %}
