{#- Readable labels of the bands between edges: [1, 3, 6] → ['<1', '1-2', '3-5', '6+']. -#}
{% macro edge_labels(edges) -%}
    {%- set labels = ['<' ~ edges[0]] -%}
    {%- for edge in edges[:-1] -%}
        {%- do labels.append(edge ~ '-' ~ (edges[loop.index] - 1)) -%}
    {%- endfor -%}
    {%- do labels.append(edges[-1] ~ '+') -%}
    {{ return(labels) }}
{%- endmacro %}
