{#- The wallet_peer_quantile_history mart as BI tools and analysts read it: every wallet peer
    quantile fit kept (int_wallet_peer_quantiles_fitted), named one by one so that the interface
    changes only on purpose (each documented in _value__models.yml). Published as Parquet, it is
    also a file the var wallet_peers_pin can pin to (README "Configuration"). -#}
with

fits as (

    select * from {{ ref('int_wallet_peer_quantiles_fitted') }}

),

final as (

    select
        peer_group_id,
        fitted_as_of,
        wallet_scope,
        category,
        peer_level,
        {%- for key in wallet_peer_keys() %}
        {{ key }},
        {%- endfor %}
        peer_group_size,
        peer_quantile,
        wallet_quantile,
        fit_reason,
        fitted_at
    from fits

)

select * from final
