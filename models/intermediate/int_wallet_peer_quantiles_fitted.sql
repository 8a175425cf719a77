{#- The history of wallet peer quantile fits (Perlich et al., KDD 2007: the realistic wallet is a
    high quantile of 12-month spend among peers): one row per fit (fitted_as_of) and peer group —
    of customers' whole spend (wallet_scope customer) and of each category's (wallet_scope
    category) — at every peer level, with its active customers and the wallet_quantile of their
    spend (macro peer_quantiles).
    Refit on a schedule (macro refit_reason, the rule of the CLV fit; DECISIONLOG.md "Models are
    refit on a schedule"): a build computes the quantiles, and adds the fit, only when the latest
    fit not after its as-of date is wallet_peers_refresh_every_days old or older, was made with
    another wallet_quantile, or there is none; when the var refit is true; or on an explicit
    --full-refresh. Otherwise its SQL is `where false` (nothing scanned) and the wallets reuse the
    latest fit (int_wallet_peer_quantiles_selected). Never when wallet_peers_pin pins one.
    Incremental by fitted_as_of with full_refresh false, like customer_segment_history: a full
    refresh keeps past fits. -#}
{{ as_of_date_incremental('fitted_as_of') }}
{%- set peer_keys = wallet_peer_keys() -%}
{%- set reason = refit_reason(
    history=this if is_incremental() else none,
    as_of_relation=ref('int_as_of_date_resolved'),
    every_days=var('wallet_peers_refresh_every_days'),
    pinned=wallet_peers_pin() is not none,
    settings_condition='history.wallet_quantile = ' ~ var('wallet_quantile'),
    every_days_var='wallet_peers_refresh_every_days',
) %}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

customer_quantiles as (

    {{ peer_quantiles(
        relation=ref('int_customer_peers_assigned'),
        peer_keys=peer_keys,
        value='our_spend_in_year_window',
        quantile=var('wallet_quantile'),
        active='is_active_last_year'
    ) }}

),

category_quantiles as (

    {{ peer_quantiles(
        relation=ref('int_customer_category_peers_assigned'),
        peer_keys=peer_keys,
        value='our_spend_in_year_window',
        quantile=var('wallet_quantile'),
        active='is_active_last_year',
        partition_by=['category']
    ) }}

),

quantiles as (

    {%- for scope, fitted, category in [
        ('customer', 'customer_quantiles', 'cast(null as ' ~ dbt.type_string() ~ ')'),
        ('category', 'category_quantiles', 'category'),
    ] %}

    select
        '{{ scope }}' as wallet_scope,
        {{ category }} as category,
        peer_level,
        {%- for key in peer_keys %}
        {{ key }},
        {%- endfor %}
        peer_group_size,
        peer_quantile
    from {{ fitted }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        {{ peer_group_id('quantiles', peer_keys) }} as peer_group_id,
        as_of.as_of_date as fitted_as_of,
        quantiles.wallet_scope,
        quantiles.category,
        quantiles.peer_level,
        {%- for key in peer_keys %}
        quantiles.{{ key }},
        {%- endfor %}
        cast(quantiles.peer_group_size as {{ dbt.type_bigint() }}) as peer_group_size,
        cast(quantiles.peer_quantile as {{ type_double() }}) as peer_quantile,
        cast({{ var('wallet_quantile') }} as {{ type_double() }}) as wallet_quantile,
        cast('{{ reason }}' as {{ dbt.type_string() }}) as fit_reason,
        cast('{{ fit_run_started_at() }}' as {{ dbt.type_timestamp() }}) as fitted_at
    from quantiles
    cross join as_of
    -- refit this build: {{ reason or 'no (the latest fit is reused)' }}
    where {{ 'true' if reason else 'false' }}

)

select * from final
