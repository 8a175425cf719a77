{#- Every non-NULL value of the column lies in [min_value, max_value] (inclusive); bounds may be
    vars or SQL expressions. Returns the offending rows. -#}
{% test value_between(model, column_name, min_value=none, max_value=none) %}

select {{ column_name }} as offending_value
from {{ model }}
where {{ column_name }} is not null
    and (
        false
        {%- if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
        {%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
    )

{% endtest %}
