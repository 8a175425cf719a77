{#- One row per customer: 12-month spend with us against the customer's wallet (stated in the
    survey, else the realistic wallet estimated from peers), share of wallet and headroom. -#}
with

peers as (

    select * from {{ ref('int_customer_wallet_peers') }}

),

estimates as (

    {{ peer_quantile_estimates(
        relation=ref('int_customer_wallet_peers'),
        entity='customer_id',
        peer_keys=['customer_type', 'city_tier', 'income_band'],
        value='our_spend_12_months',
        quantile=var('wallet_quantile'),
        min_peers=var('wallet_min_peer_group_size'),
        active='is_active_last_year'
    ) }}

),

stated as (

    select
        customer_id,
        sum(stated_annual_spend) as stated_wallet,
        count(*) as stated_category_count
    from {{ ref('int_customer_stated_wallets') }}
    group by customer_id

),

final as (

    select
        peers.customer_id,
        peers.our_spend_12_months,
        stated.stated_wallet,
        coalesce(stated.stated_category_count, 0) as stated_category_count,
        estimates.estimated_wallet,
        estimates.peer_level,
        estimates.peer_group_size,
        estimates.wallet_estimate_source,
        {{ wallet_columns('peers.our_spend_12_months', 'stated.stated_wallet', 'estimates.estimated_wallet') }}
    from peers
    left join estimates
        on peers.customer_id = estimates.customer_id
    left join stated
        on peers.customer_id = stated.customer_id

)

select * from final
