{#- One select per segment dimension (var segment_dimensions), combined with union all: the
    segment-dimension name as segment_dimension, each of `columns` (output name → SQL in which
    '@' stands for the dimension's column name, so '@_label_en' is its English label) and the
    `carry` columns as they are, from `relation` (a relation or a CTE name). Every dimension has
    the same columns in customer_segments: <dimension>, <dimension>_label_en / _label_zh and
    <dimension>_action_en / _action_zh. -#}
{% macro unpivot_segment_dimensions(relation, columns, carry=[]) -%}
    {%- for dimension in var('segment_dimensions') %}
    select
        '{{ dimension }}' as segment_dimension,
        {%- for name, template in columns.items() %}
        {{ template | replace('@', dimension) }} as {{ name }}{% if not loop.last or carry %},{% endif %}
        {%- endfor %}
        {%- for column in carry %}
        {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
