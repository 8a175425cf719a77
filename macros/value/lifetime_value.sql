{#- Discounted customer lifetime value (Kotler: the discounted value of all profits over the
    relationship; Gupta & Lehmann): margin × Σ_{t=1..N} r^t / (1 + i)^t. With q = r / (1 + i)
    the sum is q (1 − q^N) / (1 − q); with horizon_years none (infinite horizon) it is
    q / (1 − q) = r / (1 + i − r). Arguments are SQL expressions or numbers; NULL margin or
    retention gives NULL. -#}
{% macro discounted_clv(margin, retention, discount_rate, horizon_years=none) -%}
    ({{ margin }}) * {{ discounted_clv_multiplier(retention, discount_rate, horizon_years) }}
{%- endmacro %}

{#- The multiplier of the yearly margin in discounted_clv. -#}
{% macro discounted_clv_multiplier(retention, discount_rate, horizon_years=none) -%}
    {%- set q -%}(cast({{ retention }} as {{ type_double() }}) / (1 + {{ discount_rate }})){%- endset -%}
    {%- if horizon_years is none -%}
        ({{ q }} / (1 - {{ q }}))
    {%- else -%}
        (case
            when {{ q }} = 1 then cast({{ horizon_years }} as {{ type_double() }})
            else {{ q }} * (1 - power({{ q }}, {{ horizon_years }})) / (1 - {{ q }})
        end)
    {%- endif -%}
{%- endmacro %}

{#- The time from one date to another in BTYD time units (var btyd_time_unit_days days), as a
    double: BTYD recency, T and the holdout's length. -#}
{% macro btyd_duration(start_date, end_date) -%}
    {{ days_between(start_date, end_date) }} / cast({{ var('btyd_time_unit_days') }} as {{ type_double() }})
{%- endmacro %}
