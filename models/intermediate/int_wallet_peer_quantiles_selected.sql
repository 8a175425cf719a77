{#- The wallet peer quantile fit this build's wallets use: every peer group of the latest fit in
    int_wallet_peer_quantiles_fitted not after the build's as-of date, or of the fit the var
    wallet_peers_pin pins (a fitted_as_of of that history, or a Parquet file of fits such as the
    published wallet_peer_quantile_history, with its latest fit not after the as-of date unless
    fitted_as_of says which). With the build's as-of date, where the fit comes from and whether
    this build made it. A pin that names no fit stops the build with one line saying so. -#}
-- depends_on: {{ ref('int_wallet_peer_quantiles_fitted') }}
{%- set pin = wallet_peers_pin() -%}
{%- set fits = parquet_file_relation(pin.path) if pin and pin.path else ref('int_wallet_peer_quantiles_fitted') -%}
{%- set fit_source = 'history' if not pin else ('pinned_file' if pin.path else 'pinned_history') -%}
{%- set chosen_condition = "fits.fitted_as_of = cast('" ~ pin.fitted_as_of ~ "' as date)" if pin and pin.fitted_as_of
    else 'fits.fitted_as_of <= as_of.as_of_date' -%}
{%- do check_pinned_fit(pin, fits, ref('int_as_of_date_resolved'), chosen_condition, 'wallet_peers_pin') %}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

fits as (

    select * from {{ fits }}

),

chosen as (

    select max(fits.fitted_as_of) as fitted_as_of
    from fits
    cross join as_of
    where {{ chosen_condition }}

),

final as (

    select
        fits.peer_group_id,
        as_of.as_of_date,
        cast(fits.fitted_as_of as date) as fitted_as_of,
        '{{ fit_source }}' as fit_source,
        {% if pin -%}
        false
        {%- else -%}
        coalesce(fits.fitted_at = cast('{{ fit_run_started_at() }}' as {{ dbt.type_timestamp() }}), false)
        {%- endif %} as is_refit_this_build,
        fits.fit_reason,
        fits.wallet_scope,
        fits.category,
        fits.peer_level,
        {%- for key in wallet_peer_keys() %}
        fits.{{ key }},
        {%- endfor %}
        fits.peer_group_size,
        fits.peer_quantile,
        fits.wallet_quantile
    from fits
    inner join chosen
        on fits.fitted_as_of = chosen.fitted_as_of
    cross join as_of

)

select * from final
