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
    estimated_wallet NULL. Peer keys must not be NULL (coalesce them to 'unknown' first).
    The quantile is percentile_cont's (linear interpolation between the values at positions
    floor and ceil of (n − 1) × q), computed from a sort of the non-zero values and a count of
    the zeros: no holistic aggregate holding every value in memory, which ran out of memory on
    110M customer × category rows. -#}
{% macro peer_quantile_estimates(relation, entity, peer_keys, value, quantile, min_peers, active='true', partition_by=[]) -%}
    {%- set levels = [] -%}
    {%- for depth in range(peer_keys | length, -1, -1) -%}
        {%- do levels.append(partition_by + peer_keys[:depth]) -%}
    {%- endfor -%}
    with
    {% for keys in levels %}
    {%- set level = 'peer_level_' ~ loop.index %}
    {%- set join_keys %}{% for key in keys %}targets.{{ key }} = ranked.{{ key }}{% if not loop.last %} and {% endif %}{% else %}true{% endfor %}{% endset %}
    {{ level }}_targets as (
        -- the group's size, its zero and negative values counted (not stored), and the 0-based
        -- positions in its sorted values that the quantile interpolates between
        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            count(*) as peers,
            count(case when {{ value }} = 0 then 1 end) as zeros,
            count(case when {{ value }} < 0 then 1 end) as negatives,
            floor((count(*) - 1) * {{ quantile }}) as lower_position,
            ceil((count(*) - 1) * {{ quantile }}) as upper_position,
            (count(*) - 1) * {{ quantile }} - floor((count(*) - 1) * {{ quantile }}) as fraction
        from {{ relation }}
        where {{ active }}
        {%- if keys %}
        group by {{ keys | join(', ') }}
        {%- endif %}
    ),
    {{ level }}_ranked as (
        -- only the non-zero values are sorted (a sort can spill to disk; most spends are zero)
        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            {{ value }} as value,
            row_number() over (
                {%- if keys %}
                partition by {{ keys | join(', ') }}
                {%- endif %}
                order by {{ value }}
            ) as value_rank
        from {{ relation }}
        where {{ active }} and {{ value }} != 0
    ),
    {{ level }}_bounds as (
        -- the values at the two positions: a position among the zeros needs no lookup
        select
            {%- for key in keys %}
            targets.{{ key }},
            {%- endfor %}
            targets.peers,
            targets.fraction,
            {{ sorted_value_at('targets.lower_position') }} as lower_value,
            {{ sorted_value_at('targets.upper_position') }} as upper_value
        from {{ level }}_targets as targets
        left join {{ level }}_ranked as ranked
            on {{ join_keys }}
            and ranked.value_rank in (
                targets.lower_position + 1, targets.upper_position + 1,
                targets.lower_position - targets.zeros + 1, targets.upper_position - targets.zeros + 1
            )
        group by
            {%- for key in keys %}
            targets.{{ key }},
            {%- endfor %}
            targets.peers,
            targets.zeros,
            targets.negatives,
            targets.lower_position,
            targets.upper_position,
            targets.fraction
    ),
    {{ level }} as (
        select
            {%- for key in keys %}
            {{ key }},
            {%- endfor %}
            peers,
            lower_value + fraction * (upper_value - lower_value) as estimate
        from {{ level }}_bounds
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
                when peer_level_{{ loop.index }}.peers >= {{ min_peers }}
                    then peer_level_{{ loop.index }}.estimate
            {%- endfor %}
            end as estimated_wallet,
            case
                when {{ no_known_keys }} then 'no_known_peer_keys'
            {%- for keys in levels %}
                when peer_level_{{ loop.index }}.peers >= {{ min_peers }} then 'peer_group'
            {%- endfor %}
                else 'peer_group_too_small'
            end as wallet_estimate_source,
            case
            {%- for keys in levels %}
                when peer_level_{{ loop.index }}.peers >= {{ min_peers }} or {{ loop.last }}
                    then '{{ (keys[partition_by | length:] | join("+")) or "all" }}'
            {%- endfor %}
            end as peer_level,
            case
            {%- for keys in levels %}
                when peer_level_{{ loop.index }}.peers >= {{ min_peers }} or {{ loop.last }}
                    then coalesce(peer_level_{{ loop.index }}.peers, 0)
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


{#- Inside peer_quantile_estimates: the value at a 0-based position of a peer group's sorted
    values, from the ranked non-zero values (targets × ranked rows, aggregated): the negatives
    come first, then `zeros` zeros, then the positives. -#}
{% macro sorted_value_at(position) -%}
    cast(coalesce(max(
        case
            when {{ position }} < targets.negatives and ranked.value_rank = {{ position }} + 1
                then ranked.value
            when {{ position }} >= targets.negatives + targets.zeros
                and ranked.value_rank = {{ position }} - targets.zeros + 1
                then ranked.value
        end
    ), 0) as {{ type_double() }})
{%- endmacro %}
