{#- Every row satisfies a boolean SQL expression (use config `where` to scope it). Returns the
    rows that break it. -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
