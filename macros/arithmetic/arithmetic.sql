{#- Small arithmetic helpers shared by the models. -#}

{#- a / b as a double; NULL when b is 0 or NULL (a share of nothing is unknown, not 0). -#}
{% macro safe_divide(numerator, denominator) -%}
    case
        when ({{ denominator }}) = 0 or ({{ denominator }}) is null then null
        else cast(({{ numerator }}) as {{ type_double() }}) / ({{ denominator }})
    end
{%- endmacro %}

{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'segmart')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double{%- endmacro %}

{#- part / whole as a share; NULL unless whole is positive (no share of nothing or of a net
    loss). -#}
{% macro share_of(part, whole) -%}
    case when ({{ whole }}) > 0 then cast(({{ part }}) as {{ type_double() }}) / ({{ whole }}) end
{%- endmacro %}
