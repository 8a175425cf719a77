{#- The column's total equals another relation's column total, exactly (decimal money) or
    within `tolerance`. Returns one row with both totals when they differ. -#}
{% test sums_match(model, column_name, other_relation, other_column, tolerance=0) %}

with

totals as (

    select
        (select sum({{ column_name }}) from {{ model }}) as model_total,
        (select sum({{ other_column }}) from {{ other_relation }}) as other_total

)

select *
from totals
where abs(coalesce(model_total, 0) - coalesce(other_total, 0)) > {{ tolerance }}

{% endtest %}
