{#- Each category's unit-price tertiles over all purchased lines up to the as-of date: the
    edges of the low / mid / high price bands (interest segments: models/overview.md, 'Interest
    segments').
    Exactly percentile_cont (linear interpolation between the values at positions floor and ceil
    of (n − 1) × q), computed from the count of lines at each price: prices repeat, so the counts
    are small, where a holistic quantile over every line must hold all of them in memory
    (it ran out of memory at 100M orders). -#}
{%- set as_of_date = '(select as_of_date from ' ~ ref('int_as_of_date_resolved') ~ ')' -%}
with

price_counts as (

    select
        category,
        unit_price,
        count(*) as line_count
    from {{ ref('int_purchase_lines_netted') }}
    where order_date <= {{ as_of_date }} and not is_returned_line
    group by category, unit_price

),

positioned as (

    select
        category,
        unit_price,
        line_count,
        -- 0-based positions of this price's first and last line in the category's sorted lines
        sum(line_count) over (
            partition by category order by unit_price rows between unbounded preceding and current row
        ) - line_count as first_position,
        sum(line_count) over (
            partition by category order by unit_price rows between unbounded preceding and current row
        ) - 1 as last_position,
        sum(line_count) over (partition by category) as category_lines
    from price_counts

),

tertiles as (

    select
        1 as tertile,
        cast(1 as {{ type_double() }}) / 3 as fraction
    union all
    select
        2 as tertile,
        cast(2 as {{ type_double() }}) / 3 as fraction

),

targets as (

    select distinct
        positioned.category,
        positioned.category_lines,
        tertiles.tertile,
        (positioned.category_lines - 1) * tertiles.fraction as target_position
    from positioned
    cross join tertiles

),

bounded as (

    select
        targets.category,
        targets.category_lines,
        targets.tertile,
        targets.target_position,
        max(
            case
                when floor(targets.target_position) between positioned.first_position and positioned.last_position
                    then positioned.unit_price
            end
        ) as floor_price,
        max(
            case
                when ceil(targets.target_position) between positioned.first_position and positioned.last_position
                    then positioned.unit_price
            end
        ) as ceil_price
    from targets
    inner join positioned
        on targets.category = positioned.category
    group by targets.category, targets.category_lines, targets.tertile, targets.target_position

),

interpolated as (

    select
        category,
        category_lines,
        tertile,
        cast(floor_price as {{ type_double() }})
        + (target_position - floor(target_position)) * cast(ceil_price - floor_price as {{ type_double() }})
            as tertile_price
    from bounded

),

final as (

    select
        category,
        cast(max(category_lines) as bigint) as line_count,
        max(case when tertile = 1 then tertile_price end) as lower_tertile_price,
        max(case when tertile = 2 then tertile_price end) as upper_tertile_price
    from interpolated
    group by category

)

select * from final
