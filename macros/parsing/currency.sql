{#- The reporting currency (var reporting_currency, ISO code, upper case). -#}
{% macro reporting_currency() -%}
    {{- var('reporting_currency') | trim | upper -}}
{%- endmacro %}

{#- A one-row query with the reporting currency's rate to the CNY pivot (cny_per_unit) from
    currency_codes (the seed's relation). A reporting currency missing from the seed stops the
    build with one line (the query raises an error instead of converting every amount to NULL). -#}
{% macro reporting_currency_rate(currency_codes) -%}
    {{ return(adapter.dispatch('reporting_currency_rate', 'segmart')(currency_codes)) }}
{%- endmacro %}

{% macro default__reporting_currency_rate(currency_codes) -%}
    select
        case
            when max(cny_per_unit) is null
                then {{ raise_sql_error("reporting currency '" ~ reporting_currency() ~ "' (var reporting_currency, env SEGMART_REPORTING_CURRENCY) is not a currency_code of seeds/currency_codes.csv") }}
            else max(cny_per_unit)
        end as cny_per_unit
    from {{ currency_codes }}
    where currency_code = '{{ reporting_currency() }}' and raw_code = currency_code
{%- endmacro %}

{#- An SQL expression that fails the query with `message` when it is evaluated. -#}
{% macro raise_sql_error(message) -%}
    {{ return(adapter.dispatch('raise_sql_error', 'segmart')(message)) }}
{%- endmacro %}

{% macro default__raise_sql_error(message) -%}
    error('{{ message | replace("'", "''") }}')
{%- endmacro %}

{% macro spark__raise_sql_error(message) -%}
    raise_error('{{ message | replace("'", "\\'") }}')
{%- endmacro %}
