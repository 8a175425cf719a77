{#- Exactly one row per customer: every segmentation with English and Chinese labels and the
    action it calls for — RFM, the value pyramid with its treatment and owner, the value
    matrix, the lifecycle stage, the interest segment, flags and prospects' purchase likelihood.
    A join of the finished per-dimension intermediate models; every rule is a var or a seed row
    (see _segments__docs.md). -#}
{%- set opinion_leader_segments = "'" ~ var('opinion_leader_segments') | join("', '") ~ "'" -%}
with

features as (

    select * from {{ ref('int_customers_profiled') }}

),

rfm as (

    select * from {{ ref('int_customer_rfm_segmented') }}

),

value_tiers as (

    select * from {{ ref('int_customer_value_tiered') }}

),

value_matrix as (

    select * from {{ ref('int_customer_value_matrix_placed') }}

),

lifecycle as (

    select * from {{ ref('int_customer_lifecycle_staged') }}

),

interests as (

    select * from {{ ref('int_customer_interest_segmented') }}

),

wallet_targets as (

    select * from {{ ref('int_customer_wallet_targets_flagged') }}

),

customer_types as (

    select * from {{ ref('int_customer_types_labelled') }}

),

final as (

    select
        -- identity
        features.customer_id,
        features.as_of_date,
        customer_types.customer_type,
        customer_types.customer_type_label_en,
        customer_types.customer_type_label_zh,
        customer_types.customer_type_action_en,
        customer_types.customer_type_action_zh,
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
        rfm.rfm_cell,
        rfm.rfm_segment,
        rfm.rfm_segment_label_en,
        rfm.rfm_segment_label_zh,
        rfm.rfm_segment_action_en,
        rfm.rfm_segment_action_zh,
        -- value pyramid
        value_tiers.value_tier_measure,
        value_tiers.value_measure,
        value_tiers.value_tier,
        value_tiers.value_tier_label_en,
        value_tiers.value_tier_label_zh,
        value_tiers.expected_profit,
        value_tiers.expected_profit_source,
        value_tiers.treatment,
        value_tiers.treatment_label_en,
        value_tiers.treatment_label_zh,
        value_tiers.segment_owner,
        value_tiers.value_tier_action_en,
        value_tiers.value_tier_action_zh,
        -- value matrix
        value_matrix.current_value,
        value_matrix.value_matrix_current_source,
        value_matrix.growth_potential,
        value_matrix.value_matrix_potential_source,
        value_matrix.current_value_level,
        value_matrix.growth_potential_level,
        value_matrix.value_quadrant,
        value_matrix.value_quadrant_label_en,
        value_matrix.value_quadrant_label_zh,
        value_matrix.value_quadrant_meaning,
        value_matrix.value_quadrant_action_en,
        value_matrix.value_quadrant_action_zh,
        -- lifecycle
        lifecycle.lifecycle_stage,
        lifecycle.lifecycle_stage_label_en,
        lifecycle.lifecycle_stage_label_zh,
        lifecycle.lifecycle_stage_action_en,
        lifecycle.lifecycle_stage_action_zh,
        lifecycle.churn_probability,
        lifecycle.dormant_after_days,
        lifecycle.churned_after_days,
        -- interest segment
        interests.top_category,
        interests.price_band,
        interests.interest_segment,
        interests.interest_segment_label_en,
        interests.interest_segment_label_zh,
        interests.interest_segment_action_en,
        interests.interest_segment_action_zh,
        interests.is_deciding,
        -- flags
        coalesce(
            rfm.rfm_segment in ({{ opinion_leader_segments }})
            and features.product_suggestion_count >= {{ var('opinion_leader_min_suggestions') }}
            and features.successful_referral_count >= {{ var('opinion_leader_min_referrals') }},
            false
        ) as is_opinion_leader,
        -- 不受欢迎客户: expected to bring no profit or to cause losses (冷漠型 minimal)
        coalesce(value_tiers.is_unprofitable, false) as is_unwelcome,
        coalesce(wallet_targets.is_high_wallet_low_share, false) as is_high_wallet_low_share,
        -- prospects
        lifecycle.purchase_likelihood,
        -- value context
        value_tiers.predicted_clv,
        value_tiers.discounted_clv,
        wallet_targets.wallet,
        wallet_targets.share_of_wallet
    from features
    left join rfm
        on features.customer_id = rfm.customer_id
    left join value_tiers
        on features.customer_id = value_tiers.customer_id
    left join value_matrix
        on features.customer_id = value_matrix.customer_id
    left join lifecycle
        on features.customer_id = lifecycle.customer_id
    left join interests
        on features.customer_id = interests.customer_id
    left join wallet_targets
        on features.customer_id = wallet_targets.customer_id
    left join customer_types
        on features.customer_id = customer_types.customer_id

)

select * from final
