{#- Share of wallet (Perlich et al., KDD 2007; models/overview.md, 'Share of wallet'). -#}

{#- The peer levels of Perlich's realistic wallet, finest first: all peer_keys, then dropping
    the last key one at a time, down to no key (everyone). -#}
{% macro peer_levels(peer_keys) -%}
    {%- set levels = [] -%}
    {%- for depth in range(peer_keys | length, -1, -1) -%}
        {%- do levels.append(peer_keys[:depth]) -%}
    {%- endfor -%}
    {{ return(levels) }}
{%- endmacro %}

{#- A peer level's name: its keys '+'-joined, or 'all'. -#}
{% macro peer_level_name(keys) -%}
    {{ return((keys | join('+')) or 'all') }}
{%- endmacro %}

{#- The realistic-wallet fit: a query with one row per peer group of every level (peer_levels)
    in each partition (e.g. category): the partition_by columns, peer_level (peer_level_name),
    every peer key (NULL where the level does not use it), peer_group_size (the group's active
    rows: `active`, a boolean SQL expression) and peer_quantile, the `quantile` of `value` among
    them (exact_quantiles: percentile_cont's, from the count of rows at each distinct spend: the
    zero spend of most customers in a category is one row). Groups without an active row are
    left out. Peer keys and values must not be NULL (coalesce them first). Kept per fit in
    int_wallet_peer_quantiles_fitted; peer_quantile_estimates reads a fit. -#}
{% macro peer_quantiles(relation, peer_keys, value, quantile, active='true', partition_by=[]) -%}
    {%- set levels = peer_levels(peer_keys) -%}
    with
    {% for keys in levels %}
    peer_level_{{ loop.index }} as (
        {{ exact_quantiles(relation, value, {'estimate': quantile}, partition_by=partition_by + keys, where=active) }}
    ){{ ',' if not loop.last }}
    {% endfor %}
    {%- for keys in levels %}
    select
        {%- for key in partition_by %}
        {{ key }},
        {%- endfor %}
        '{{ peer_level_name(keys) }}' as peer_level,
        {%- for key in peer_keys %}
        {% if key in keys %}{{ key }}{% else %}cast(null as {{ dbt.type_string() }}){% endif %} as {{ key }},
        {%- endfor %}
        value_count as peer_group_size,
        estimate as peer_quantile
    from peer_level_{{ loop.index }}
    where value_count > 0
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- Realistic-wallet estimates (Perlich et al., KDD 2007): for every row of `relation` (one per
    entity, or per entity and partition such as category), the peer quantile of its group in
    `quantiles` (a fit: int_wallet_peer_quantiles_selected, rows of wallet_scope `scope`, with
    the columns of peer_quantiles). The finest level uses all peer_keys; when that group has
    fewer than min_peers active rows in the fit (or is not in it) the next level drops the last
    key, down to everyone in the partition. Returns entity, partition columns,
    estimated_wallet, peer_level (the keys used, '+'-joined, or 'all'), peer_group_size and
    wallet_estimate_source: 'peer_group' when there is an estimate; 'no_known_peer_keys' when
    every peer key of the row is 'unknown' (nothing to compare the customer on: an orders-only
    log would give everyone one identical made-up wallet) and 'peer_group_too_small' when even
    everyone has fewer than min_peers active rows; both leave estimated_wallet NULL. Peer keys
    must not be NULL (coalesce them first). -#}
{% macro peer_quantile_estimates(relation, entity, peer_keys, quantiles, scope, min_peers, partition_by=[]) -%}
    {%- set levels = peer_levels(peer_keys) -%}
    {%- set no_known_keys -%}
        {% for key in peer_keys %}base.{{ key }} = 'unknown'{% if not loop.last %} and {% endif %}{% else %}false{% endfor %}
    {%- endset %}
    select
        base.{{ entity }},
        {%- for key in partition_by %}
        base.{{ key }},
        {%- endfor %}
        case
            when {{ no_known_keys }} then null
        {%- for keys in levels %}
            when peer_level_{{ loop.index }}.peer_group_size >= {{ min_peers }}
                then peer_level_{{ loop.index }}.peer_quantile
        {%- endfor %}
        end as estimated_wallet,
        case
            when {{ no_known_keys }} then 'no_known_peer_keys'
        {%- for keys in levels %}
            when peer_level_{{ loop.index }}.peer_group_size >= {{ min_peers }} then 'peer_group'
        {%- endfor %}
            else 'peer_group_too_small'
        end as wallet_estimate_source,
        case
        {%- for keys in levels %}
            when peer_level_{{ loop.index }}.peer_group_size >= {{ min_peers }} or {{ loop.last }}
                then '{{ peer_level_name(keys) }}'
        {%- endfor %}
        end as peer_level,
        case
        {%- for keys in levels %}
            when peer_level_{{ loop.index }}.peer_group_size >= {{ min_peers }} or {{ loop.last }}
                then coalesce(peer_level_{{ loop.index }}.peer_group_size, 0)
        {%- endfor %}
        end as peer_group_size
    from {{ relation }} as base
    {%- for keys in levels %}
    {%- set level = 'peer_level_' ~ loop.index %}
    left join {{ quantiles }} as {{ level }}
        on
            {{ level }}.wallet_scope = '{{ scope }}'
            and {{ level }}.peer_level = '{{ peer_level_name(keys) }}'
            {%- for key in partition_by + keys %}
            and base.{{ key }} = {{ level }}.{{ key }}
            {%- endfor %}
    {%- endfor %}
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

{#- The peer keys of Perlich's realistic wallet, finest first: customer type × city tier × income
    band (models/overview.md, 'Share of wallet'). -#}
{% macro wallet_peer_keys() -%}
    {{ return(['customer_type', 'city_tier', 'income_band']) }}
{%- endmacro %}

{#- The key of a peer group in a fit of peer_quantiles: wallet_scope|category|peer_level|peer
    keys, '' where NULL, of the relation alias `alias`. -#}
{% macro peer_group_id(alias, peer_keys) -%}
    {%- set parts = [alias ~ '.wallet_scope'] -%}
    {%- for column in ['category', 'peer_level'] + peer_keys -%}
        {%- do parts.extend(["'|'", "coalesce(" ~ alias ~ "." ~ column ~ ", '')"]) -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}
