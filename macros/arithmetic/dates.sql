{#- Date arithmetic: day and year differences, the day of the week, the month. -#}

{#- Whole days from start_date to end_date (end − start), both dates. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'segmart')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    date_diff('day', {{ start_date }}, {{ end_date }})
{%- endmacro %}

{#- dbt.datediff is no help here: dbt-spark's asserts both dates are not NULL, and the lag of a
    first purchase is NULL -#}
{% macro spark__days_between(start_date, end_date) -%}
    datediff(cast({{ end_date }} as date), cast({{ start_date }} as date))
{%- endmacro %}

{#- Complete years from start_date to end_date: an age. -#}
{% macro full_years_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('full_years_between', 'segmart')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__full_years_between(start_date, end_date) -%}
    date_sub('year', cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}

{#- the year difference, less one before the anniversary (a 29 February birthday turns on
    1 March in other years, as DuckDB's date_sub counts) -#}
{% macro spark__full_years_between(start_date, end_date) -%}
    (
        year(cast({{ end_date }} as date)) - year(cast({{ start_date }} as date))
        - case
            when month(cast({{ end_date }} as date)) * 100 + day(cast({{ end_date }} as date))
                < month(cast({{ start_date }} as date)) * 100 + day(cast({{ start_date }} as date))
                then 1
            else 0
        end
    )
{%- endmacro %}

{#- ISO day of week of a date: 1 = Monday ... 7 = Sunday. -#}
{% macro day_of_week_iso(date_expr) -%}
    {{ return(adapter.dispatch('day_of_week_iso', 'segmart')(date_expr)) }}
{%- endmacro %}

{% macro default__day_of_week_iso(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}

{#- weekday(): 0 = Monday -#}
{% macro spark__day_of_week_iso(date_expr) -%}
    (weekday({{ date_expr }}) + 1)
{%- endmacro %}

{#- The first day of a date's month, as a date: the same SQL on DuckDB and Spark (both truncate
    to a timestamp or date, made a date). The partition of the order-grained models on Spark. -#}
{% macro month_start(date_expr) -%}
    cast(date_trunc('month', {{ date_expr }}) as date)
{%- endmacro %}
