{#- One row per customer: 12-month spend with us against the customer's wallet, share of wallet
    and headroom. A surveyed customer's wallet compares like with like: the stated wallet of the
    categories answered plus the wallet of the rest (each unanswered category's realistic wallet
    among peers, at least our spend outside the answered categories); the conflict flag compares
    our spend in the answered categories with their stated wallet. Customers never surveyed get
    the realistic wallet estimated from peers (the peer quantile fit in use:
    int_wallet_peer_quantiles_selected, its date in wallet_peers_fitted_as_of). -#}
with

peers as (

    select * from {{ ref('int_customer_peers_assigned') }}

),

-- the peer quantile fit in use (refit on a schedule, or pinned)
peer_fit as (

    select * from {{ ref('int_wallet_peer_quantiles_selected') }}

),

estimates as (

    {{ peer_quantile_estimates(
        relation=ref('int_customer_peers_assigned'),
        entity='customer_id',
        peer_keys=wallet_peer_keys(),
        quantiles='peer_fit',
        scope='customer',
        min_peers=var('wallet_min_peer_group_size')
    ) }}

),

peer_fit_date as (

    select max(fitted_as_of) as wallet_peers_fitted_as_of from peer_fit

),

categories as (

    select * from {{ ref('int_customer_category_wallets_estimated') }}

),

stated as (

    -- per surveyed customer: the answered categories (stated wallet and our spend there) and
    -- the realistic wallets of the categories not answered (never below 0)
    select
        customer_id,
        sum(stated_wallet) as stated_wallet,
        count(stated_wallet) as stated_category_count,
        sum(case when stated_wallet is not null then our_spend_in_year_window end) as our_spend_stated_categories,
        -- the peer wallets (doubles) summed as exact decimals: the sum does not depend on row order
        coalesce(cast(sum(
            case when stated_wallet is null then cast(greatest(coalesce(wallet, 0), 0) as decimal(38, 10)) end
        ) as {{ type_double() }}), 0) as unanswered_categories_wallet
    from categories
    group by customer_id
    having count(stated_wallet) > 0

),

stated_with_rest as (

    -- the rest of the wallet: the unanswered categories' wallets, never below our spend outside
    -- the answered categories (which also holds lines without a category)
    select
        stated.*,
        greatest(
            cast(stated.unanswered_categories_wallet as {{ type_double() }}),
            cast(peers.our_spend_in_year_window - stated.our_spend_stated_categories as {{ type_double() }}),
            cast(0 as {{ type_double() }})
        ) as unanswered_wallet
    from stated
    inner join peers
        on stated.customer_id = peers.customer_id

),

final as (

    select
        peers.customer_id,
        peers.our_spend_in_year_window,
        stated.stated_wallet,
        coalesce(stated.stated_category_count, 0) as stated_category_count,
        stated.our_spend_stated_categories,
        stated.unanswered_wallet,
        estimates.estimated_wallet,
        estimates.peer_level,
        estimates.peer_group_size,
        estimates.wallet_estimate_source,
        {{ wallet_columns(
            'peers.our_spend_in_year_window', 'stated.stated_wallet', 'estimates.estimated_wallet',
            stated_scope_spend='stated.our_spend_stated_categories',
            unanswered_wallet='stated.unanswered_wallet'
        ) }},
        peer_fit_date.wallet_peers_fitted_as_of
    from peers
    left join estimates
        on peers.customer_id = estimates.customer_id
    left join stated_with_rest as stated
        on peers.customer_id = stated.customer_id
    cross join peer_fit_date

)

select * from final
