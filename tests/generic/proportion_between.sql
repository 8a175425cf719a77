{#- The share of rows for which `condition` holds lies in [min_value, max_value] (either bound
    optional). Returns one row with the share when it does not. -#}
{% test proportion_between(model, condition, min_value=none, max_value=none) %}

with

shares as (

    select
        avg(case when {{ condition }} then 1.0 else 0.0 end) as share_of_rows,
        count(*) as row_count
    from {{ model }}

)

select *
from shares
where
    row_count > 0
    and (
        false
        {%- if min_value is not none %} or share_of_rows < {{ min_value }}{% endif %}
        {%- if max_value is not none %} or share_of_rows > {{ max_value }}{% endif %}
    )

{% endtest %}
