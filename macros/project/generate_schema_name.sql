{#- Schemas are named by layer (staging, intermediate, marts, seeds), the same in every
    target, so analysts always query marts.<model>. Without a custom schema: the target's. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
