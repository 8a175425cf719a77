{#- Lifecycle stage per customer (models/overview.md, 'Lifecycle and prospects'): prospect → new →
    active → dormant → churned, and
    reactivated when a customer whose previous gap was a dormancy buys again. Day thresholds
    are vars, stretched by the customer's own usual gap between purchases; a churn probability
    1 − P(alive) at or above churn_probability_threshold marks a lapsed customer churned. Every
    threshold is read by is_within_days (0 <= days < N): new = first purchase within
    lifecycle_new_days, active = last purchase within dormant_after_days, churned = last
    purchase not within churned_after_days, reactivated = active after a previous gap not within
    dormant_after_days (the day it bought again, its previous purchase lay that many days or more
    back: it was dormant). Prospects carry their purchase likelihood (int_prospects_scored). -#}
with

features as (

    select * from {{ ref('int_customers_profiled') }}

),

predictions as (

    select
        customer_id,
        p_alive
    from {{ ref('int_customer_clv_predicted') }}

),

lifecycle_stages as (

    select * from {{ ref('lifecycle_stages') }}

),

-- prospects' purchase likelihood at the as-of date (not the back-test rows)
prospect_scores as (

    select
        customer_id,
        purchase_likelihood
    from {{ ref('int_prospects_scored') }}
    where not is_back_test

),

thresholds as (

    select
        features.customer_id,
        features.is_prospect,
        features.recency_days,
        features.last_purchase_gap_days,
        {{ days_between('features.first_order_date', 'features.as_of_date') }} as days_since_first_order,
        greatest(
            {{ var('lifecycle_active_days') }},
            coalesce({{ var('lifecycle_dormant_gap_multiplier') }} * features.avg_days_between_orders, 0)
        ) as dormant_after_days,
        greatest(
            {{ var('lifecycle_churn_days') }},
            coalesce({{ var('lifecycle_churn_gap_multiplier') }} * features.avg_days_between_orders, 0)
        ) as churned_after_days,
        1 - predictions.p_alive as churn_probability
    from features
    left join predictions
        on features.customer_id = predictions.customer_id

),

staged as (

    select
        customer_id,
        dormant_after_days,
        churned_after_days,
        churn_probability,
        case
            when is_prospect then 'prospect'
            when {{ is_within_days('days_since_first_order', var('lifecycle_new_days')) }} then 'new'
            when
                {{ is_within_days('recency_days', 'dormant_after_days') }}
                and not {{ is_within_days('last_purchase_gap_days', 'dormant_after_days') }}
                then 'reactivated'
            when {{ is_within_days('recency_days', 'dormant_after_days') }} then 'active'
            when
                not {{ is_within_days('recency_days', 'churned_after_days') }}
                or churn_probability >= {{ var('churn_probability_threshold') }}
                then 'churned'
            else 'dormant'
        end as lifecycle_stage
    from thresholds

),

final as (

    select
        staged.customer_id,
        staged.dormant_after_days,
        staged.churned_after_days,
        staged.churn_probability,
        staged.lifecycle_stage,
        lifecycle_stages.label_en as lifecycle_stage_label_en,
        lifecycle_stages.label_zh as lifecycle_stage_label_zh,
        lifecycle_stages.recommended_action as lifecycle_stage_action_en,
        lifecycle_stages.recommended_action_zh as lifecycle_stage_action_zh,
        prospect_scores.purchase_likelihood
    from staged
    left join lifecycle_stages
        on staged.lifecycle_stage = lifecycle_stages.lifecycle_stage
    left join prospect_scores
        on staged.customer_id = prospect_scores.customer_id

)

select * from final
