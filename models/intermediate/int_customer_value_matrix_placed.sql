{#- The value matrix (陈明亮 2002; models/overview.md, 'Value matrix') per customer: current value
    (12-month gross margin; 12-month net revenue when no buyer has a cost, an orders-only log)
    against growth potential (int_customer_growth_potential_weighted), each high above its cut — the
    median among customers who have ordered, or the var value_matrix_current_cut — and the
    quadrant with its labels, meaning and action (seed value_matrix_quadrants). -#}
{%- set current_cut = percentile_cont('current_value', 0.5) if var('value_matrix_current_cut') is none
    else var('value_matrix_current_cut') -%}
with

features as (

    select * from {{ ref('int_customers_profiled') }}

),

potential as (

    select * from {{ ref('int_customer_growth_potential_weighted') }}

),

quadrants as (

    select * from {{ ref('value_matrix_quadrants') }}

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
        case
            when availability.has_costs then coalesce(features.gross_margin_in_year_window, 0)
            else coalesce(features.net_revenue_in_year_window, 0)
        end as current_value,
        case when availability.has_costs then 'gross_margin' else 'net_revenue' end as current_value_source
    from features
    left join potential
        on features.customer_id = potential.customer_id
    cross join availability

),

cuts as (

    select {{ current_cut }} as current_value_cut
    from measured
    where not is_prospect

),

levelled as (

    select
        measured.*,
        case when measured.current_value > cuts.current_value_cut then 'high' else 'low' end as current_value_level
    from measured
    cross join cuts

),

final as (

    select
        levelled.customer_id,
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
        quadrants.recommended_action as value_quadrant_action_en,
        quadrants.recommended_action_zh as value_quadrant_action_zh
    from levelled
    left join quadrants
        on
            levelled.current_value_level = quadrants.current_value_level
            and levelled.growth_potential_level = quadrants.growth_potential_level

)

select * from final
