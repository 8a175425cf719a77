{#- Banding and scoring. -#}

{#- The label of the band expr falls in. edges are ascending lower bounds of every band but the
    first (numbers or SQL expressions), labels has one more entry than edges:
    band('age', [18, 35, 60], ['teen', 'young', 'middle', 'senior']) gives teen below 18, young
    for 18–34, middle for 35–59, senior from 60. NULL stays NULL. -#}
{% macro band(expr, edges, labels) -%}
    {%- if labels | length != edges | length + 1 -%}
        {{ exceptions.raise_compiler_error("band(): labels must have one more entry than edges, got " ~ edges | length ~ " edges and " ~ labels | length ~ " labels") }}
    {%- endif -%}
    case
        when ({{ expr }}) is null then null
        {%- for edge in edges %}
        when ({{ expr }}) < ({{ edge }}) then '{{ labels[loop.index0] }}'
        {%- endfor %}
        else '{{ labels[-1] }}'
    end
{%- endmacro %}

{#- Quantile score 1..n of expr among the rows of the window (per partition_by, e.g. as-of
    date). order 'asc': larger values score higher; 'desc': smaller values score higher (recency:
    most recent = n). Ties share a score (the score of the first row of the tie, by rank()), so
    the result never depends on row order; with tie_breaker set, ties are split instead by that
    column (row_number()), still deterministically. NULL expr gets NULL and is not counted. -#}
{% macro quantile_score(expr, n=5, order='asc', partition_by=none, tie_breaker=none) -%}
    {%- set partition -%}
        partition by {% if partition_by %}{{ partition_by }}, {% endif %}(({{ expr }}) is null)
    {%- endset -%}
    {%- set ordering -%}
        order by ({{ expr }}) {{ order }}{% if tie_breaker %}, {{ tie_breaker }}{% endif %}
    {%- endset -%}
    case
        when ({{ expr }}) is not null
            then 1 + cast(floor(
                {{ n }} * ({% if tie_breaker %}row_number(){% else %}rank(){% endif %} over ({{ partition }} {{ ordering }}) - 1)
                / cast(count(*) over ({{ partition }}) as {{ type_double() }})
            ) as integer)
    end
{%- endmacro %}

{#- Tier by cumulative share of rows ranked by measure (highest first): the first tier takes
    rows in the top shares[0] of the window (is_in_top_share: rank <= ceil(share × n)), the next
    the following shares[1], and so on; the rest get rest_label. Ties share the tier of their
    first rank (rank()), so a tie never splits across tiers; NULL measures rank last. tiers:
    [[label, share], ...]. -#}
{% macro tier_by_share(measure, tiers, rest_label, partition_by=none) -%}
    {%- set window -%}
        over ({% if partition_by %}partition by {{ partition_by }} {% endif %}order by {{ measure }} desc nulls last)
    {%- endset -%}
    {%- set rows_in_window -%}
        count(*) over ({% if partition_by %}partition by {{ partition_by }}{% endif %})
    {%- endset -%}
    {%- set cumulative = namespace(share=0) -%}
    case
    {%- for tier in tiers %}
        {%- set cumulative.share = (cumulative.share + tier[1]) | round(10) %}
        when {{ is_in_top_share('rank() ' ~ window, rows_in_window, cumulative.share) }} then '{{ tier[0] }}'
    {%- endfor %}
        else '{{ rest_label }}'
    end
{%- endmacro %}

{#- The two window columns a gap-free score is computed from (two steps: a window function
    cannot read another): <prefix>_quantile_score, the quantile_score of expr, and
    <prefix>_value_rank, the rank of expr's value among the distinct values (dense_rank(); 1 =
    the value that scores lowest). NULL expr gets NULL in both. -#}
{% macro score_parts(expr, prefix, n=5, order='asc') -%}
    {{ quantile_score(expr, n, order) }} as {{ prefix }}_quantile_score,
    case
        when ({{ expr }}) is not null
            then dense_rank() over (partition by (({{ expr }}) is null) order by ({{ expr }}) {{ order }})
    end as {{ prefix }}_value_rank
{%- endmacro %}

{#- Gap-free quantile score 1..n from the columns of score_parts(prefix) (DECISIONLOG.md "Thin
    data"). With q the quantile score, d the value's rank among the D distinct values:
    D >= n: greatest(d + running min of (q − d), d + n − D): every score 1..n is used and
    neighbouring values differ by at most one score, so a tie holding most rows (most buyers buy
    once) cannot push the next values past the middle scores; D < n: least(d + running max of
    (q − d), d + n − D): distinct values never share a score. Where every tie group is smaller
    than 1/n of the rows this equals the quantile score. Ties share a score; depends on values
    only, never on row order. -#}
{% macro gapless_quantile_score(prefix, n=5) -%}
    {%- set rank_column = prefix ~ '_value_rank' -%}
    {%- set step = prefix ~ '_quantile_score - ' ~ rank_column -%}
    {%- set partition = 'partition by (' ~ rank_column ~ ' is null)' -%}
    {%- set distinct_values = 'max(' ~ rank_column ~ ') over (' ~ partition ~ ')' -%}
    case
        when {{ rank_column }} is null then null
        when {{ distinct_values }} >= {{ n }}
            then greatest(
                {{ rank_column }} + min({{ step }}) over ({{ partition }} order by {{ rank_column }}),
                {{ rank_column }} + {{ n }} - {{ distinct_values }}
            )
        else least(
            {{ rank_column }} + max({{ step }}) over ({{ partition }} order by {{ rank_column }}),
            {{ rank_column }} + {{ n }} - {{ distinct_values }}
        )
    end
{%- endmacro %}

{#- The score of the columns of score_parts(prefix) by the var rfm_score_method: 'quantile'
    (Hughes' quintiles as they fall) or 'gapless_quantile' (gapless_quantile_score). -#}
{% macro rfm_score(prefix, n=5) -%}
    {%- set method = var('rfm_score_method') -%}
    {%- if method == 'quantile' -%}
        {{ prefix }}_quantile_score
    {%- elif method == 'gapless_quantile' -%}
        cast({{ gapless_quantile_score(prefix, n) }} as integer)
    {%- else -%}
        {{ exceptions.raise_compiler_error("var rfm_score_method must be quantile or gapless_quantile, not " ~ method) }}
    {%- endif -%}
{%- endmacro %}
{#- Readable labels of the bands between edges: [1, 3, 6] → ['<1', '1-2', '3-5', '6+']. -#}
{% macro edge_labels(edges) -%}
    {%- set labels = ['<' ~ edges[0]] -%}
    {%- for edge in edges[:-1] -%}
        {%- do labels.append(edge ~ '-' ~ (edges[loop.index] - 1)) -%}
    {%- endfor -%}
    {%- do labels.append(edges[-1] ~ '+') -%}
    {{ return(labels) }}
{%- endmacro %}
