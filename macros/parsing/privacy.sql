{#- PII never leaves staging in clear text: a keyed SHA-256 keeps it joinable (same person,
    same hash) without being readable. On DuckDB the key is the connection variable
    segmart_pii_key, which segmart's dbt-duckdb plugin (segmart/duckdb_plugin.py) sets on every
    connection: the key never appears in compiled SQL, logs or the warehouse. A connection without
    it fails the build rather than hashing with no key. The var pii_key_in_sql pastes the var
    pii_salt into the SQL instead (the unit tests, with the public demo key). -#}
{% macro hash_pii(text_column) -%}
    {{ return(adapter.dispatch('hash_pii', 'segmart')(text_column)) }}
{%- endmacro %}

{% macro default__hash_pii(text_column) -%}
    {%- if var('pii_key_in_sql') -%}
        {%- set key = "'" ~ var('pii_salt') ~ "'" -%}
    {%- else -%}
        {%- set key = "coalesce(getvariable('segmart_pii_key'), error('no PII key on this connection: "
            ~ "the profile needs the plugin segmart.duckdb_plugin (see README Privacy)'))" -%}
    {%- endif -%}
    case when nullif(trim({{ text_column }}), '') is not null
        then sha256({{ key }} || '|' || trim({{ text_column }}))
    end
{%- endmacro %}

{#- sha2(…, 256) is the same lower-case hex digest as DuckDB's sha256. Spark has no connection
    variable that dbt-spark lets us set outside SQL, so the key is the var pii_salt, pasted
    (DECISIONLOG.md "Own data, own key"). -#}
{% macro spark__hash_pii(text_column) -%}
    case when nullif(trim({{ text_column }}), '') is not null
        then sha2('{{ var("pii_salt") }}' || '|' || trim({{ text_column }}), 256)
    end
{%- endmacro %}
