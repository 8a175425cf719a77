{#- The customer pyramid (Zeithaml, Rust & Lemon 2001; models/overview.md, 'Customer pyramid'):
    customers who have ordered,
    ranked by the profit they are expected to bring — the var value_tier_measure (predicted_profit
    by default; predicted_clv, discounted_clv or gross_margin), cut by the cumulative shares in
    value_tier_shares (platinum 1%, gold 4%, iron 15%, lead the rest). Prospects are 'prospect';
    a customer without a measure ranks last. Fallbacks, recorded in value_tier_measure:
    - without costs (no buyer has a gross margin: an orders-only log) predicted_profit ranks by
      predicted_clv (expected revenue) and gross_margin by net revenue;
    - without a usable BTYD fit (clv_method not_available: a failed fit with clv_fit_failure warn,
      or an engine that cannot run the Python fit) predicted_profit and predicted_clv rank by
      discounted_clv instead: every buyer would tie.
    A customer whose expected profit is ≤ 0 (is_unprofitable) is never above lead, whatever the
    measure: expected profit is predicted_profit, else (no costs) predicted_clv, else (no fit)
    discounted_clv. -#}
{%- set measures = {
    'predicted_profit': "case when lifetime_value.clv_method = 'not_available' then lifetime_value.discounted_clv"
        ~ " when costs.has_costs then lifetime_value.predicted_profit else lifetime_value.predicted_clv end",
    'predicted_clv': "case when lifetime_value.clv_method = 'not_available' then lifetime_value.discounted_clv"
        ~ " else lifetime_value.predicted_clv end",
    'discounted_clv': 'lifetime_value.discounted_clv',
    'gross_margin': 'case when costs.has_costs then features.gross_margin else features.net_revenue end',
} -%}
{%- set measure_names = {
    'predicted_profit': "case when lifetime_value.clv_method = 'not_available' then 'discounted_clv'"
        ~ " when costs.has_costs then 'predicted_profit' else 'predicted_clv' end",
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

    select * from {{ ref('int_customers_profiled') }}

),

lifetime_value as (

    select * from {{ ref('int_customer_lifetime_value_estimated') }}

),

value_tiers as (

    select * from {{ ref('value_tiers') }}

),

treatments as (

    select * from {{ ref('value_treatments') }}

),

-- the treatment of customers with expected profit ≤ 0, whatever their tier (冷漠型 minimal)
unprofitable_treatment as (

    select treatment from treatments
    where is_for_unprofitable

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
        {{ measures[var('value_tier_measure')] }} as value_measure,
        case
            when lifetime_value.predicted_profit is not null then lifetime_value.predicted_profit
            when not costs.has_costs and lifetime_value.predicted_clv is not null then lifetime_value.predicted_clv
            else lifetime_value.discounted_clv
        end as expected_profit,
        case
            when lifetime_value.predicted_profit is not null then 'predicted_profit'
            when not costs.has_costs and lifetime_value.predicted_clv is not null then 'predicted_clv'
            when lifetime_value.discounted_clv is not null then 'discounted_clv'
        end as expected_profit_source,
        lifetime_value.predicted_clv,
        lifetime_value.discounted_clv
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

assigned as (

    select
        measured.customer_id,
        measured.value_tier_measure,
        measured.value_measure,
        measured.predicted_clv,
        measured.discounted_clv,
        case when measured.is_prospect then null else measured.expected_profit end as expected_profit,
        case when measured.is_prospect then null else measured.expected_profit_source end as expected_profit_source,
        -- unprofitable: a buyer expected to bring no profit (or, without costs, no revenue); an
        -- unknown expected profit is not evidence of a loss
        coalesce(not measured.is_prospect and measured.expected_profit <= 0, false) as is_unprofitable,
        case
            when measured.is_prospect then 'prospect'
            -- never above lead, whatever the measure ranked
            when measured.expected_profit <= 0 then 'lead'
            else tiered.value_tier
        end as value_tier
    from measured
    left join tiered
        on measured.customer_id = tiered.customer_id

),

-- the tier's labels and owner, and its treatment (the unprofitable one's when expected profit ≤ 0)
final as (

    select
        assigned.customer_id,
        assigned.value_tier_measure,
        assigned.value_measure,
        assigned.expected_profit,
        assigned.expected_profit_source,
        assigned.is_unprofitable,
        assigned.value_tier,
        value_tiers.label_en as value_tier_label_en,
        value_tiers.label_zh as value_tier_label_zh,
        treatments.treatment,
        treatments.label_en as treatment_label_en,
        treatments.label_zh as treatment_label_zh,
        value_tiers.segment_owner,
        treatments.recommended_action as value_tier_action_en,
        treatments.recommended_action_zh as value_tier_action_zh,
        assigned.predicted_clv,
        assigned.discounted_clv
    from assigned
    left join value_tiers
        on assigned.value_tier = value_tiers.value_tier
    left join unprofitable_treatment
        on assigned.is_unprofitable
    left join treatments
        on coalesce(unprofitable_treatment.treatment, value_tiers.treatment) = treatments.treatment

)

select * from final
