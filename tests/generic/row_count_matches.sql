{#- The model has exactly as many rows as another relation (vertical integrity between layers).
    Returns one row with both counts when they differ. -#}
{% test row_count_matches(model, other_relation) %}

with

counts as (

    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ other_relation }}) as other_rows

)

select *
from counts
where model_rows != other_rows

{% endtest %}
