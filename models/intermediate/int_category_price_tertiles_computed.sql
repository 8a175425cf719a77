{#- Each category's unit-price tertiles over all purchased lines up to the as-of date: the
    edges of the low / mid / high price bands (interest segments: models/overview.md, 'Interest
    segments').
    Exactly percentile_cont (linear interpolation between the values at positions floor and ceil
    of (n − 1) × q), computed by exact_quantiles from the count of lines at each price: prices
    repeat, so the counts are small, where a holistic quantile over every line must hold all of
    them in memory (it ran out of memory at 100M orders). -#}
{%- set as_of_date = '(select as_of_date from ' ~ ref('int_as_of_date_resolved') ~ ')' -%}
with

purchased_lines as (

    select
        category,
        unit_price
    from {{ ref('int_purchase_lines_netted') }}
    where order_date <= {{ as_of_date }} and not is_returned_line

),

tertiles as (

    {{ exact_quantiles(
        relation='purchased_lines',
        value='unit_price',
        quantiles={
            'lower_tertile_price': 'cast(1 as ' ~ type_double() ~ ') / 3',
            'upper_tertile_price': 'cast(2 as ' ~ type_double() ~ ') / 3',
        },
        partition_by=['category'],
    ) }}

),

final as (

    select
        category,
        value_count as line_count,
        lower_tertile_price,
        upper_tertile_price
    from tertiles

)

select * from final
