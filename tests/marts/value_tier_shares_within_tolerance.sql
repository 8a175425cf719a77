{#- Each tier's share of the customers who have ordered is within value_tier_share_tolerance of
    its target, plus one customer's share (a cut falls between two customers: with 120 buyers a
    4% tier holds 4 or 5 of them, 3.3% or 4.2%); ties can push a few more across a cut. Returns
    the tiers outside. -#}
{%- set shares = var('value_tier_shares') -%}
with

buyers as (

    select value_tier
    from {{ ref('customer_segments') }}
    where not is_prospect

),

targets as (

    {%- for tier, share in shares.items() %}
    select
        '{{ tier }}' as value_tier,
        {{ share }} as target_share
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

realised as (

    select
        targets.value_tier,
        targets.target_share,
        avg(case when buyers.value_tier = targets.value_tier then 1.0 else 0.0 end) as realised_share
    from targets
    cross join buyers
    group by targets.value_tier, targets.target_share

)

select * from realised
where abs(realised_share - target_share) > {{ var('value_tier_share_tolerance') }} + 1.0 / (select count(*) from buyers)
