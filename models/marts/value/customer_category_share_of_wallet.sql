{#- The customer_category_share_of_wallet mart as BI tools and analysts read it: the columns of
    int_customer_category_wallets_estimated, named one by one so that the interface changes only on purpose
    (each documented in _value__models.yml). -#}
with

category_wallets as (

    select * from {{ ref('int_customer_category_wallets_estimated') }}

),

final as (

    select
        customer_category_id,
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
    from category_wallets

)

select * from final
