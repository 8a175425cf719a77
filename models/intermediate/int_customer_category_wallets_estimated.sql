{#- One row per customer × category where there is spend, a wallet or a survey answer (so the
    customer mart sees every answered category): 12-month category spend against the stated
    category wallet, else the category's realistic wallet among peers (the peer quantile fit in
    use: int_wallet_peer_quantiles_selected, its date in wallet_peers_fitted_as_of). -#}
with

peers as (

    select * from {{ ref('int_customer_category_peers_assigned') }}

),

-- the peer quantile fit in use (refit on a schedule, or pinned)
peer_fit as (

    select * from {{ ref('int_wallet_peer_quantiles_selected') }}

),

estimates as (

    {{ peer_quantile_estimates(
        relation=ref('int_customer_category_peers_assigned'),
        entity='customer_id',
        peer_keys=wallet_peer_keys(),
        quantiles='peer_fit',
        scope='category',
        min_peers=var('wallet_min_peer_group_size'),
        partition_by=['category']
    ) }}

),

peer_fit_date as (

    select max(fitted_as_of) as wallet_peers_fitted_as_of from peer_fit

),

stated as (

    select * from {{ ref('int_customer_stated_wallets_deduplicated') }}

),

wallets as (

    select
        peers.customer_id,
        peers.category,
        peers.our_spend_in_year_window,
        stated.stated_annual_spend as stated_wallet,
        estimates.estimated_wallet,
        estimates.peer_level,
        estimates.peer_group_size,
        estimates.wallet_estimate_source,
        {{ wallet_columns(
            'peers.our_spend_in_year_window', 'stated.stated_annual_spend', 'estimates.estimated_wallet'
        ) }},
        peer_fit_date.wallet_peers_fitted_as_of
    from peers
    left join estimates
        on
            peers.customer_id = estimates.customer_id
            and peers.category = estimates.category
    left join stated
        on
            peers.customer_id = stated.customer_id
            and peers.category = stated.category
    cross join peer_fit_date

),

final as (

    select
        {{ dbt.concat(['customer_id', "'|'", 'category']) }} as customer_category_id,
        customer_id,
        category,
        our_spend_in_year_window,
        stated_wallet,
        estimated_wallet,
        peer_level,
        peer_group_size,
        wallet_estimate_source,
        wallet,
        wallet_source,
        share_of_wallet,
        has_wallet_conflict,
        wallet_headroom,
        wallet_peers_fitted_as_of
    from wallets
    where wallet > 0 or our_spend_in_year_window > 0 or stated_wallet is not null

)

select * from final
