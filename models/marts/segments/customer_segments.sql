{#- Exactly one row per customer: every segmentation with English and Chinese labels and the
    action it calls for — RFM, the value pyramid with its treatment and owner, the value
    matrix, the lifecycle stage, the interest segment, flags and prospects' purchase likelihood.
    Every rule is a var or a seed row (see _segments__docs.md). -#}
{#- Growth potential and its level: the measure weighted by the chance the customer is still
    active (int_customer_growth_potential). -#}
{%- set current_cut = percentile_cont('current_value', 0.5) if var('value_matrix_current_cut') is none
    else var('value_matrix_current_cut') -%}
{%- set opinion_leader_segments = "'" ~ var('opinion_leader_segments') | join("', '") ~ "'" -%}
with

features as (

    select * from {{ ref('customer_features') }}

),

lifetime_value as (

    select * from {{ ref('customer_lifetime_value') }}

),

wallet as (

    select * from {{ ref('customer_share_of_wallet') }}

),

potential as (

    select * from {{ ref('int_customer_growth_potential') }}

),

value_tiers_assigned as (

    select * from {{ ref('int_customer_value_tiered') }}

),

rfm as (

    select * from {{ ref('int_customer_rfm_scored') }}

),

lifecycle as (

    select * from {{ ref('int_customer_lifecycle_staged') }}

),

likelihood as (

    select * from {{ ref('int_prospect_purchase_likelihood') }}

),

rfm_cells as (

    select * from {{ ref('rfm_cell_segments') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

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

quadrants as (

    select * from {{ ref('value_matrix_quadrants') }}

),

lifecycle_stages as (

    select * from {{ ref('lifecycle_stages') }}

),

categories as (

    select * from {{ ref('product_categories') }}

),

price_bands as (

    select * from {{ ref('price_bands') }}

),

-- current value is the 12-month gross margin when some buyer has a cost (gross_margin not
-- NULL), else the 12-month net revenue (an orders-only log)
availability as (

    select count(gross_margin) > 0 as has_costs
    from features
    where not is_prospect

),

measured as (

    select
        features.customer_id,
        features.is_prospect,
        potential.growth_potential,
        potential.growth_potential_source,
        potential.growth_potential_level,
        lifetime_value.predicted_clv,
        lifetime_value.discounted_clv,
        wallet.wallet,
        wallet.share_of_wallet,
        case
            when availability.has_costs then coalesce(features.gross_margin_last_365_days, 0)
            else coalesce(features.net_revenue_last_365_days, 0)
        end as current_value,
        case when availability.has_costs then 'gross_margin' else 'net_revenue' end as current_value_source
    from features
    left join lifetime_value
        on features.customer_id = lifetime_value.customer_id
    left join wallet
        on features.customer_id = wallet.customer_id
    left join potential
        on features.customer_id = potential.customer_id
    cross join availability

),

cuts as (

    select {{ current_cut }} as current_value_cut
    from measured
    where not is_prospect

),

wallet_cuts as (

    select
        {{ percentile_cont('wallet', var('target_wallet_quantile')) }} as high_wallet_cut,
        {{ percentile_cont('share_of_wallet', var('target_share_quantile')) }} as low_share_cut
    from measured
    where wallet > 0

),

levelled as (

    select
        measured.*,
        case when measured.current_value > cuts.current_value_cut then 'high' else 'low' end as current_value_level,
        coalesce(
            measured.wallet >= wallet_cuts.high_wallet_cut
            and measured.share_of_wallet <= wallet_cuts.low_share_cut,
            false
        ) as is_high_wallet_low_share
    from measured
    cross join cuts
    cross join wallet_cuts

),

final as (

    select
        -- identity
        features.customer_id,
        features.as_of_date,
        features.customer_type,
        features.is_prospect,
        -- RFM
        features.recency_days,
        features.order_count,
        features.net_revenue,
        -- the customer's part of everyone's net revenue: summed over a segment, the segment's
        -- share of revenue (the semantic layer's share_of_revenue metric)
        {{ share_of('features.net_revenue', 'sum(features.net_revenue) over ()') }} as revenue_share,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm_cells.rfm_cell,
        coalesce(rfm_cells.rfm_segment, 'prospect') as rfm_segment,
        rfm_segments.label_en as rfm_segment_label_en,
        rfm_segments.label_zh as rfm_segment_label_zh,
        rfm_segments.recommended_action as rfm_recommended_action,
        rfm_segments.recommended_action_zh as rfm_recommended_action_zh,
        -- value pyramid
        value_tiers_assigned.value_tier_measure,
        value_tiers_assigned.value_measure,
        value_tiers_assigned.value_tier,
        value_tiers.label_en as value_tier_label_en,
        value_tiers.label_zh as value_tier_label_zh,
        value_tiers_assigned.expected_profit,
        value_tiers_assigned.expected_profit_source,
        treatments.treatment,
        treatments.label_en as treatment_label_en,
        treatments.label_zh as treatment_label_zh,
        value_tiers.segment_owner,
        treatments.recommended_action as value_tier_action,
        treatments.recommended_action_zh as value_tier_action_zh,
        -- value matrix
        levelled.current_value,
        levelled.current_value_source as value_matrix_current_source,
        levelled.growth_potential,
        levelled.growth_potential_source as value_matrix_potential_source,
        levelled.current_value_level,
        levelled.growth_potential_level,
        quadrants.value_quadrant,
        quadrants.label_en as value_quadrant_label_en,
        quadrants.label_zh as value_quadrant_label_zh,
        quadrants.meaning as value_quadrant_meaning,
        quadrants.recommended_action as value_quadrant_action,
        -- lifecycle
        lifecycle.lifecycle_stage,
        lifecycle_stages.label_en as lifecycle_label_en,
        lifecycle_stages.label_zh as lifecycle_label_zh,
        lifecycle_stages.recommended_action as lifecycle_action,
        lifecycle.churn_probability,
        lifecycle.dormant_after_days,
        lifecycle.churned_after_days,
        -- interest segment
        features.top_category,
        features.price_band,
        -- 'none': no purchased order line in the window (prospects, orders-only data)
        case
            when features.top_category is not null
                then {{ dbt.concat(['features.top_category', "':'", "coalesce(features.price_band, 'unknown')"]) }}
            else 'none'
        end as interest_segment,
        case
            when features.top_category is not null
                then {{ dbt.concat([
                    "coalesce(categories.label_en, features.top_category)", "' · '",
                    "coalesce(price_bands.label_en, 'unknown price')"
                ]) }}
            else 'No category interest'
        end as interest_segment_label_en,
        case
            when features.top_category is not null
                then {{ dbt.concat([
                    "coalesce(categories.label_zh, features.top_category)", "' · '",
                    "coalesce(price_bands.label_zh, '未知价位')"
                ]) }}
            else '无品类偏好'
        end as interest_segment_label_zh,
        features.has_top_category_changed as is_deciding,
        -- flags
        coalesce(
            rfm_cells.rfm_segment in ({{ opinion_leader_segments }})
            and features.product_suggestion_count >= {{ var('opinion_leader_min_suggestions') }}
            and features.successful_referral_count >= {{ var('opinion_leader_min_referrals') }},
            false
        ) as is_opinion_leader,
        -- 不受欢迎客户: expected to bring no profit or to cause losses (冷漠型 minimal)
        coalesce(value_tiers_assigned.is_unprofitable, false) as is_unwelcome,
        levelled.is_high_wallet_low_share,
        -- prospects
        likelihood.purchase_likelihood,
        -- value context
        levelled.predicted_clv,
        levelled.discounted_clv,
        levelled.wallet,
        levelled.share_of_wallet
    from features
    inner join levelled
        on features.customer_id = levelled.customer_id
    left join rfm
        on features.customer_id = rfm.customer_id
    left join rfm_cells
        on
            rfm.r_score = rfm_cells.r_score
            and rfm.f_score = rfm_cells.f_score
            and rfm.m_score = rfm_cells.m_score
    left join rfm_segments
        on coalesce(rfm_cells.rfm_segment, 'prospect') = rfm_segments.rfm_segment
    left join value_tiers_assigned
        on features.customer_id = value_tiers_assigned.customer_id
    left join value_tiers
        on value_tiers_assigned.value_tier = value_tiers.value_tier
    left join unprofitable_treatment
        on value_tiers_assigned.is_unprofitable
    left join treatments
        on coalesce(unprofitable_treatment.treatment, value_tiers.treatment) = treatments.treatment
    left join quadrants
        on
            levelled.current_value_level = quadrants.current_value_level
            and levelled.growth_potential_level = quadrants.growth_potential_level
    left join lifecycle
        on features.customer_id = lifecycle.customer_id
    left join lifecycle_stages
        on lifecycle.lifecycle_stage = lifecycle_stages.lifecycle_stage
    left join categories
        on features.top_category = categories.category
    left join price_bands
        on features.price_band = price_bands.price_band
    left join likelihood
        on features.customer_id = likelihood.customer_id

)

select * from final
