{#- The label column (language 'en' or 'zh') of a segment dimension in customer_segments;
    a dimension without labels (customer_type) shows its value, 'Unknown' / '未知' when NULL
    (no customer attributes), so no label is NULL. -#}
{% macro segment_label(dimension, language) -%}
    {%- set label_columns = {
        'rfm_segment': 'rfm_segment_label_',
        'value_tier': 'value_tier_label_',
        'value_quadrant': 'value_quadrant_label_',
        'lifecycle_stage': 'lifecycle_label_',
        'interest_segment': 'interest_segment_label_',
    } -%}
    {%- if dimension in label_columns -%}
        {{ label_columns[dimension] ~ language }}
    {%- else -%}
        coalesce(cast({{ dimension }} as {{ dbt.type_string() }}), '{{ 'Unknown' if language == 'en' else '未知' }}')
    {%- endif -%}
{%- endmacro %}
