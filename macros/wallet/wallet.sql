{#- Share of wallet (Perlich et al., KDD 2007; models/overview.md, 'Share of wallet'). -#}

{#- Realistic-wallet estimates: for every row of `relation` (one per entity, or per entity and
    partition such as category), the `quantile` of `value` among its peers: the active rows
    (`active` is a boolean SQL expression) with the same peer keys in the same partition. The
    finest level uses all peer_keys; when that group has fewer than min_peers active rows the
    next level drops the last key, down to everyone in the partition. Returns entity, partition
    columns, estimated_wallet, peer_level (the keys used, '+'-joined, or 'all'),
    peer_group_size and wallet_estimate_source: 'peer_group' when there is an estimate;
    'no_known_peer_keys' when every peer key of the row is 'unknown' (nothing to compare the
    customer on: an orders-only log would give everyone one identical made-up wallet) and
    'peer_group_too_small' when even everyone has fewer than min_peers active rows; both leave
    estimated_wallet NULL. Peer keys and values must not be NULL (coalesce them first).
    Each level's quantile is exact_quantiles' (percentile_cont's, from the count of rows at each
    distinct spend: the zero spend of most customers in a category is one row). -#}
{% macro peer_quantile_estimates(relation, entity, peer_keys, value, quantile, min_peers, active='true', partition_by=[]) -%}
    {%- set levels = [] -%}
    {%- for depth in range(peer_keys | length, -1, -1) -%}
        {%- do levels.append(partition_by + peer_keys[:depth]) -%}
    {%- endfor -%}
    with
    {% for keys in levels %}
    peer_level_{{ loop.index }} as (
        {{ exact_quantiles(relation, value, {'estimate': quantile}, partition_by=keys, where=active) }}
    ),
    {% endfor %}
    {%- set no_known_keys -%}
        {% for key in peer_keys %}base.{{ key }} = 'unknown'{% if not loop.last %} and {% endif %}{% else %}false{% endfor %}
    {%- endset %}
    estimates as (
        select
            base.{{ entity }},
            {%- for key in partition_by %}
            base.{{ key }},
            {%- endfor %}
            case
                when {{ no_known_keys }} then null
            {%- for keys in levels %}
                when peer_level_{{ loop.index }}.value_count >= {{ min_peers }}
                    then peer_level_{{ loop.index }}.estimate
            {%- endfor %}
            end as estimated_wallet,
            case
                when {{ no_known_keys }} then 'no_known_peer_keys'
            {%- for keys in levels %}
                when peer_level_{{ loop.index }}.value_count >= {{ min_peers }} then 'peer_group'
            {%- endfor %}
                else 'peer_group_too_small'
            end as wallet_estimate_source,
            case
            {%- for keys in levels %}
                when peer_level_{{ loop.index }}.value_count >= {{ min_peers }} or {{ loop.last }}
                    then '{{ (keys[partition_by | length:] | join("+")) or "all" }}'
            {%- endfor %}
            end as peer_level,
            case
            {%- for keys in levels %}
                when peer_level_{{ loop.index }}.value_count >= {{ min_peers }} or {{ loop.last }}
                    then coalesce(peer_level_{{ loop.index }}.value_count, 0)
            {%- endfor %}
            end as peer_group_size
        from {{ relation }} as base
        {%- for keys in levels %}
        {%- set level_index = loop.index %}
        left join peer_level_{{ level_index }}
            on {% for key in keys %}base.{{ key }} = peer_level_{{ level_index }}.{{ key }}{% if not loop.last %} and {% endif %}{% else %}true{% endfor %}
        {%- endfor %}
    )
    select * from estimates
{%- endmacro %}

{#- The wallet columns from our spend, a stated wallet (NULL when not surveyed) and an
    estimated one: wallet = stated (+ unanswered_wallet, the wallet of what the survey did not
    cover) when there is a stated wallet, else max(our spend, estimate), else NULL (no stated
    wallet and no estimate: nothing is known about it); its source; share of wallet capped at
    1; a conflict flag where our spend in what the stated wallet covers (stated_scope_spend,
    default all our spend) exceeds it; headroom = wallet − our spend, never below 0, NULL
    without a wallet. -#}
{% macro wallet_columns(our_spend, stated_wallet, estimated_wallet, stated_scope_spend=none, unanswered_wallet=none) -%}
    {%- set our -%}cast({{ our_spend }} as {{ type_double() }}){%- endset -%}
    {%- set stated -%}cast({{ stated_wallet }} as {{ type_double() }}){%- endset -%}
    {%- set estimated -%}cast({{ estimated_wallet }} as {{ type_double() }}){%- endset -%}
    {%- set scope -%}cast({{ stated_scope_spend if stated_scope_spend is not none else our_spend }} as {{ type_double() }}){%- endset -%}
    {%- set rest -%}
        {%- if unanswered_wallet is not none %} + coalesce(cast({{ unanswered_wallet }} as {{ type_double() }}), 0){% endif -%}
    {%- endset -%}
    {%- set wallet -%}
        coalesce({{ stated }}{{ rest }}, case when {{ estimated }} is not null then greatest({{ our }}, {{ estimated }}) end)
    {%- endset -%}
    {{ wallet }} as wallet,
    case
        when {{ stated }} is not null then 'stated'
        when {{ wallet }} > 0 then 'estimated'
        else 'none'
    end as wallet_source,
    case when {{ wallet }} > 0 then least(1, {{ our }} / {{ wallet }}) end as share_of_wallet,
    coalesce({{ scope }} > {{ stated }}, false) as has_wallet_conflict,
    case when {{ wallet }} is not null then greatest({{ wallet }} - {{ our }}, 0) end as wallet_headroom
{%- endmacro %}
