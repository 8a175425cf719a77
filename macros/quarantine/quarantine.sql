{#- The quarantine rule list of a staging model, as one CASE: the first rule a row breaks names
    its rejection_reason; NULL means the row is accepted. `rules` is a list of
    [condition, reason] pairs in order of precedence. -#}
{% macro rejection_reason(rules) -%}
    case
    {%- for rule in rules %}
        when {{ rule[0] }} then '{{ rule[1] }}'
    {%- endfor %}
    end
{%- endmacro %}

{#- A quarantine model's body: the rejected rows of a base model, with the raw row number, the
    columns that identify or explain the row, and the reason. -#}
{% macro quarantined_rows(base_relation, columns) -%}
select
    raw_row_number,
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    rejection_reason
from {{ base_relation }}
where rejection_reason is not null
{%- endmacro %}

{#- Rule condition: the row is not the first with its key (by raw_row_number; the first is
    kept). Needs first_row_number from with_first_row_number. -#}
{% macro is_repeated_key() -%}
    coalesce(raw_row_number > first_row_number, false)
{%- endmacro %}

{#- A column of raw text kept only on rejected rows (NULL on accepted ones, whose parsed value
    says the same): quarantine shows what was wrong, and accepted rows cost no second copy. -#}
{% macro kept_if_rejected(column) -%}
    case when rejection_reason is not null then {{ column }} end as {{ column }}
{%- endmacro %}

{#- Rule condition: any of the columns holds the Unicode replacement character U+FFFD, the mark
    of text decoded with the wrong encoding somewhere upstream. The character is written as itself:
    chr(65533) is U+FFFD on DuckDB but chr(253) on Spark, whose chr() wraps at 256. -#}
{% macro has_broken_encoding(columns) -%}
    ({% for column in columns %}coalesce({{ dbt.position("'�'", column) }} > 0, false){% if not loop.last %} or {% endif %}{% endfor %})
{%- endmacro %}

{#- Test filter of the quarantine-rate monitors: the rows that count, i.e. all but those rejected
    for a reason in the var quarantine_rate_ignored_reasons (guest checkouts and their lines). -#}
{% macro counts_towards_quarantine_rate() -%}
    {%- set ignored = var('quarantine_rate_ignored_reasons') -%}
    {%- if ignored | length == 0 -%}
        1 = 1
    {%- else -%}
        coalesce(rejection_reason not in ('{{ ignored | join("', '") }}'), true)
    {%- endif -%}
{%- endmacro %}
