{#- The as-of date every feature is computed at: the var as_of_date when set (replay any past
    date: --vars '{as_of_date: 2024-06-30}'), else the latest order date in the data. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (select max(order_date) from {{ ref('stg_raw__orders') }})
    {%- endif -%}
{%- endmacro %}
