{#- Share-of-wallet opportunities (Perlich's target list): customers with a wallet in the top
    quartile and a share in the bottom half, by headroom (wallet − our 12-month spend). -#}
select
    segments.customer_id,
    segments.customer_type,
    segments.value_tier,
    segments.rfm_segment,
    wallets.our_spend_in_year_window,
    wallets.wallet,
    wallets.wallet_source,
    wallets.share_of_wallet,
    wallets.wallet_headroom
from {{ ref('customer_segments') }} as segments
inner join {{ ref('customer_share_of_wallet') }} as wallets
    on segments.customer_id = wallets.customer_id
where segments.is_high_wallet_low_share
order by wallets.wallet_headroom desc, segments.customer_id asc
