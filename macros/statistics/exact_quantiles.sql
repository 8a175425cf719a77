{#- A query: exact quantiles of `value` per group of `relation` (the rows with the same
    partition_by columns; all rows are one group without them), as percentile_cont computes them:
    linear interpolation between the values at the 0-based positions floor and ceil of
    (n − 1) × q among the group's n sorted values. Computed from the count of rows at each
    distinct value instead of a holistic aggregate that holds every value in memory (it ran out
    of memory on 100M order lines and on 110M customer × category rows): repeated values (prices,
    the zero spend of most customers in a category) collapse into one row each.

    quantiles: {output column: fraction}, the fraction a number or an SQL expression (used as
    given: a decimal literal keeps the positions exact). Rows where `where` is false, or the value
    NULL, are not counted. Returns the partition_by columns, value_count (the group's rows, a
    bigint) and one double column per quantile. Without partition_by: one row, its quantiles NULL
    when no row counts. -#}
{% macro exact_quantiles(relation, value, quantiles, partition_by=[], where='true') -%}
    {%- set keys = partition_by -%}
    {%- set cumulative_count -%}
        sum(value_count) over (
            {% if keys %}partition by {{ keys | join(', ') }} {% endif %}order by value
            rows between unbounded preceding and current row
        )
    {%- endset %}
    with

    value_counts as (
        -- one row per distinct value of a group, with its number of rows
        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            {{ value }} as value,
            count(*) as value_count
        from {{ relation }}
        where ({{ where }}) and {{ value }} is not null
        group by {% for key in keys %}{{ key }}, {% endfor %}{{ value }}
    ),

    positioned as (
        -- the 0-based positions of a value's first and last row among the group's sorted rows
        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            value,
            {{ cumulative_count }} - value_count as first_position,
            {{ cumulative_count }} - 1 as last_position
        from value_counts
    ),

    group_sizes as (
        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            cast(sum(value_count) as bigint) as value_count
        from value_counts
        {%- if keys %}
        group by {{ keys | join(', ') }}
        {%- endif %}
    ),

    targets as (
        -- per group and quantile: the position (n − 1) × q that the quantile interpolates at
        {%- for fraction in quantiles.values() %}
        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            value_count,
            {{ loop.index }} as quantile_index,
            (value_count - 1) * ({{ fraction }}) as target_position
        from group_sizes
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ),

    bounded as (
        -- the values at the positions floor and ceil of the target: the one or two distinct
        -- values whose rows span them
        select
            {%- for key in keys %}
            targets.{{ key }},
            {%- endfor %}
            targets.value_count,
            targets.quantile_index,
            targets.target_position,
            max(
                case
                    when floor(targets.target_position) between positioned.first_position and positioned.last_position
                        then positioned.value
                end
            ) as lower_value,
            max(
                case
                    when ceil(targets.target_position) between positioned.first_position and positioned.last_position
                        then positioned.value
                end
            ) as upper_value
        from targets
        inner join positioned
            on
                {%- for key in keys %}
                targets.{{ key }} = positioned.{{ key }} and
                {%- endfor %}
                positioned.last_position >= floor(targets.target_position)
                and positioned.first_position <= ceil(targets.target_position)
        group by
            {%- for key in keys %}
            targets.{{ key }},
            {%- endfor %}
            targets.value_count,
            targets.quantile_index,
            targets.target_position
    ),

    interpolated as (
        -- in doubles: lower + (target − floor(target)) × (upper − lower)
        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            value_count,
            quantile_index,
            cast(lower_value as {{ type_double() }})
            + (target_position - floor(target_position))
            * (cast(upper_value as {{ type_double() }}) - cast(lower_value as {{ type_double() }}))
                as quantile_value
        from bounded
    )

    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        max(value_count) as value_count,
        {%- for column in quantiles %}
        max(case when quantile_index = {{ loop.index }} then quantile_value end) as {{ column }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from interpolated
    {%- if keys %}
    group by {{ keys | join(', ') }}
    {%- endif %}
{%- endmacro %}
