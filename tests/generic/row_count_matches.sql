{#- The model has exactly as many rows as another relation (optionally filtered): vertical
    integrity between layers. Returns one row with both counts when they differ. -#}
{% test row_count_matches(model, other_relation, other_where='1 = 1') %}

with

counts as (

    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ other_relation }} where {{ other_where }}) as other_rows

)

select *
from counts
where model_rows != other_rows

{% endtest %}
