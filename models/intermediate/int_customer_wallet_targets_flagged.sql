{#- Perlich's target list per customer: a wallet in the top quartile (var target_wallet_quantile)
    and a share of wallet in the bottom half (var target_share_quantile), both among customers
    with a wallet — the customers with the most room to grow our share. -#}
with

wallets as (

    select * from {{ ref('int_customer_wallets_estimated') }}

),

cuts as (

    select
        {{ percentile_cont('wallet', var('target_wallet_quantile')) }} as high_wallet_cut,
        {{ percentile_cont('share_of_wallet', var('target_share_quantile')) }} as low_share_cut
    from wallets
    where wallet > 0

),

final as (

    select
        wallets.customer_id,
        wallets.wallet,
        wallets.share_of_wallet,
        coalesce(
            wallets.wallet >= cuts.high_wallet_cut
            and wallets.share_of_wallet <= cuts.low_share_cut,
            false
        ) as is_high_wallet_low_share
    from wallets
    cross join cuts

)

select * from final
