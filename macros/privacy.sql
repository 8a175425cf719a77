{#- PII never leaves staging in clear text: a salted SHA-256 keeps it joinable (same person,
    same hash) without being readable. The salt is the var pii_salt (env SEGMART_PII_SALT). -#}
{% macro hash_pii(text_column) -%}
    {{ return(adapter.dispatch('hash_pii', 'segmart')(text_column)) }}
{%- endmacro %}

{% macro duckdb__hash_pii(text_column) -%}
    case when nullif(trim({{ text_column }}), '') is not null
        then sha256('{{ var("pii_salt") }}' || '|' || trim({{ text_column }}))
    end
{%- endmacro %}

{#- sha2(…, 256) is the same lower-case hex digest as DuckDB's sha256 -#}
{% macro spark__hash_pii(text_column) -%}
    case when nullif(trim({{ text_column }}), '') is not null
        then sha2('{{ var("pii_salt") }}' || '|' || trim({{ text_column }}), 256)
    end
{%- endmacro %}
