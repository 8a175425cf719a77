{#- At least min_value of the column's values are not NULL. Returns one row with the share when
    fewer are. -#}
{% test not_null_proportion(model, column_name, min_value) %}

with

shares as (

    select
        count({{ column_name }}) / cast(count(*) as {{ type_double() }}) as not_null_share,
        count(*) as row_count
    from {{ model }}

)

select *
from shares
where row_count > 0 and not_null_share < {{ min_value }}

{% endtest %}
