{#- Aggregates the engines name or compute differently: an exact percentile, the value at a
    maximum, an order-independent standard deviation. -#}

{#- Continuous percentile of expr (fraction in [0, 1]) as an aggregate: exact, interpolated
    linearly between the two nearest values. -#}
{% macro percentile_cont(expr, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'segmart')(expr, fraction)) }}
{%- endmacro %}

{#- The SQL standard's ordered-set aggregate: DuckDB's quantile_cont, Spark's percentile -#}
{% macro default__percentile_cont(expr, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expr }})
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
