{#- Growth potential of the value matrix (陈明亮 2002: current value × potential value) per
    customer: the var's measure — or, when no buyer has it (no wallet estimate on data without
    customer attributes, no BTYD fit), the next one that some buyer has — weighted by the chance
    the customer is still active, so that customers who have left do not count as potential:
    BG/NBD P(alive) for customers with repeat purchases, else the weight of their lifecycle stage
    (var value_matrix_stage_weights; churned 0). predicted_clv already holds P(alive), so repeat
    buyers' is not applied to it twice. High potential: above the median of the buyers' weighted
    potential (or var value_matrix_potential_cut). -#}
{%- set potentials = ['wallet_headroom', 'predicted_clv'] -%}
{%- set potential_order = [var('value_matrix_potential_measure')]
    + (['wallet_headroom', 'predicted_clv', 'discounted_clv'] | reject('equalto', var('value_matrix_potential_measure')) | list) -%}
{%- set stage_weights = var('value_matrix_stage_weights') -%}
{%- set potential_cut = percentile_cont('growth_potential', 0.5) if var('value_matrix_potential_cut') is none
    else var('value_matrix_potential_cut') -%}
{%- if var('value_matrix_potential_measure') not in potentials -%}
    {{ exceptions.raise_compiler_error("var value_matrix_potential_measure must be one of " ~ potentials | join(', ') ~ ", not " ~ var('value_matrix_potential_measure')) }}
{%- endif -%}
with

features as (

    select * from {{ ref('int_customers_profiled') }}

),

lifetime_value as (

    select * from {{ ref('int_customer_lifetime_value_estimated') }}

),

wallet as (

    select * from {{ ref('int_customer_wallets_estimated') }}

),

lifecycle as (

    select * from {{ ref('int_customer_lifecycle_staged') }}

),

-- one row per customer with every candidate measure: joined once, read by both CTEs below (a
-- second join for the availability would hold two sets of hash tables at once)
joined as (

    select
        features.customer_id,
        features.is_prospect,
        features.btyd_frequency,
        lifecycle.lifecycle_stage,
        wallet.wallet_headroom,
        lifetime_value.predicted_clv,
        lifetime_value.discounted_clv,
        lifetime_value.p_alive
    from features
    left join lifetime_value
        on features.customer_id = lifetime_value.customer_id
    left join wallet
        on features.customer_id = wallet.customer_id
    left join lifecycle
        on features.customer_id = lifecycle.customer_id

),

-- which potential measures some buyer has
availability as (

    select
        count(*) as buyer_count,
        {%- for measure in potential_order %}
        count({{ measure }}) > 0 as has_{{ measure }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from joined
    where not is_prospect

),

measured as (

    select
        joined.customer_id,
        joined.is_prospect,
        joined.lifecycle_stage,
        case
            {%- for measure in potential_order %}
            when availability.has_{{ measure }} then coalesce(joined.{{ measure }}, 0)
            {%- endfor %}
            else 0
        end as potential_measure,
        case
            {%- for measure in potential_order %}
            when availability.has_{{ measure }} then '{{ measure }}'
            {%- endfor %}
            else 'none'
        end as growth_potential_source,
        -- P(alive) is 1 by construction without a repeat purchase: evidence only with repeats
        coalesce(joined.btyd_frequency > 0 and joined.p_alive is not null, false) as has_p_alive,
        joined.p_alive,
        case joined.lifecycle_stage
            {%- for stage, weight in stage_weights.items() %}
            when '{{ stage }}' then {{ weight }}
            {%- endfor %}
            else 1
        end as stage_weight
    from joined
    cross join availability

),

weighted as (

    select
        customer_id,
        is_prospect,
        lifecycle_stage,
        potential_measure,
        growth_potential_source,
        case
            when has_p_alive and growth_potential_source = 'predicted_clv' then 1
            when has_p_alive then p_alive
            else stage_weight
        end as alive_weight,
        case
            when has_p_alive and growth_potential_source = 'predicted_clv' then 'in_predicted_clv'
            when has_p_alive then 'p_alive'
            else 'lifecycle_stage'
        end as alive_weight_source
    from measured

),

weighted_potential as (

    select
        customer_id,
        is_prospect,
        lifecycle_stage,
        potential_measure,
        growth_potential_source,
        cast(alive_weight as {{ type_double() }}) as alive_weight,
        alive_weight_source,
        potential_measure * cast(alive_weight as {{ type_double() }}) as growth_potential
    from weighted

),

-- the high/low cut: the median among customers who have ordered, or the var's number
cuts as (

    select {{ potential_cut }} as growth_potential_cut
    from weighted_potential
    where not is_prospect

),

final as (

    select
        weighted_potential.*,
        cuts.growth_potential_cut,
        case when weighted_potential.growth_potential > cuts.growth_potential_cut then 'high' else 'low' end
            as growth_potential_level
    from weighted_potential
    cross join cuts

)

select * from final
