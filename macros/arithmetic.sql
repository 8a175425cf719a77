{#- Small arithmetic helpers shared by the models. -#}

{#- a / b as a double; NULL when b is 0 or NULL (a share of nothing is unknown, not 0). -#}
{% macro safe_divide(numerator, denominator) -%}
    case
        when ({{ denominator }}) = 0 or ({{ denominator }}) is null then null
        else cast(({{ numerator }}) as {{ type_double() }}) / ({{ denominator }})
    end
{%- endmacro %}

{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'segmart')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double{%- endmacro %}

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

{#- Continuous percentile of expr (fraction in [0, 1]) as an aggregate: exact, interpolated
    linearly between the two nearest values. -#}
{% macro percentile_cont(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'segmart')(expr, fraction)) }}
{%- endmacro %}

{#- The SQL standard's ordered-set aggregate: DuckDB's quantile_cont, Spark's percentile -#}
{% macro default__percentile_cont(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
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

{#- part / whole as a share; NULL unless whole is positive (no share of nothing or of a net
    loss). -#}
{% macro share_of(part, whole) -%}
    case when ({{ whole }}) > 0 then cast(({{ part }}) as {{ type_double() }}) / ({{ whole }}) end
{%- endmacro %}

{#- Aggregate: the value of `value` on the row where `order_by` is largest. -#}
{% macro value_at_max(value, order_by) -%}
    {{ return(adapter.dispatch('value_at_max', 'segmart')(value, order_by)) }}
{%- endmacro %}

{#- max_by: Spark's name, and DuckDB's for arg_max -#}
{% macro default__value_at_max(value, order_by) -%}
    max_by({{ value }}, {{ order_by }})
{%- endmacro %}

{#- Sample standard deviation of an integer (or decimal) expression from exact sums, so the
    result does not depend on the order a parallel aggregate meets the rows in (stddev_samp's
    running update does). NULL with fewer than two values. -#}
{% macro exact_stddev_samp(expr) -%}
    case
        when count({{ expr }}) > 1
            then sqrt(greatest(
                (
                    cast(sum(({{ expr }}) * ({{ expr }})) as {{ type_double() }})
                    - cast(sum({{ expr }}) as {{ type_double() }}) * sum({{ expr }}) / count({{ expr }})
                ) / (count({{ expr }}) - 1),
                0
            ))
    end
{%- endmacro %}
