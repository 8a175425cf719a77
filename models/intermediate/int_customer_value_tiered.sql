{#- The customer pyramid (Zeithaml, Rust & Lemon 2001; seed 004): customers who have ordered,
    ranked by the var value_tier_measure (predicted_clv, discounted_clv or gross_margin), cut by
    the cumulative shares in value_tier_shares (platinum 1%, gold 4%, iron 15%, lead the rest).
    Prospects are 'prospect'; a customer without a measure ranks last. Without a usable BTYD fit
    (clv_method not_available: a failed fit with clv_fit_failure warn, or an engine that cannot
    run the Python fit) predicted_clv ranks by discounted_clv instead: every buyer would tie.
    Without costs (no buyer has a gross margin: an orders-only log) gross_margin ranks by net
    revenue instead. value_tier_measure records the measure used. -#}
{%- set measures = {
    'predicted_clv': "case when lifetime_value.clv_method = 'not_available' then lifetime_value.discounted_clv"
        ~ " else lifetime_value.predicted_clv end",
    'discounted_clv': 'lifetime_value.discounted_clv',
    'gross_margin': 'case when costs.has_costs then features.gross_margin else features.net_revenue end',
} -%}
{%- set measure_names = {
    'predicted_clv': "case when lifetime_value.clv_method = 'not_available' then 'discounted_clv'"
        ~ " else 'predicted_clv' end",
    'discounted_clv': "'discounted_clv'",
    'gross_margin': "case when costs.has_costs then 'gross_margin' else 'net_revenue' end",
} -%}
{%- if var('value_tier_measure') not in measures -%}
    {{ exceptions.raise_compiler_error("var value_tier_measure must be one of " ~ measures.keys() | join(', ') ~ ", not " ~ var('value_tier_measure')) }}
{%- endif -%}
{%- set tier_shares = var('value_tier_shares') -%}
with

features as (

    select * from {{ ref('customer_features') }}

),

lifetime_value as (

    select * from {{ ref('customer_lifetime_value') }}

),

costs as (

    select count(gross_margin) > 0 as has_costs
    from features
    where not is_prospect

),

measured as (

    select
        features.customer_id,
        features.is_prospect,
        {{ measure_names[var('value_tier_measure')] }} as value_tier_measure,
        {{ measures[var('value_tier_measure')] }} as value_measure
    from features
    left join lifetime_value
        on features.customer_id = lifetime_value.customer_id
    cross join costs

),

tiered as (

    select
        customer_id,
        {{ tier_by_share('value_measure', [
            ['platinum', tier_shares['platinum']],
            ['gold', tier_shares['gold']],
            ['iron', tier_shares['iron']],
        ], 'lead') }} as value_tier
    from measured
    where not is_prospect

),

final as (

    select
        measured.customer_id,
        measured.value_tier_measure,
        measured.value_measure,
        coalesce(tiered.value_tier, 'prospect') as value_tier
    from measured
    left join tiered
        on measured.customer_id = tiered.customer_id

)

select * from final
