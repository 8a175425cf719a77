{#- The average value measure strictly falls from platinum to gold to iron to lead. Returns the
    tiers whose average is not below the tier above. -#}
with

tier_values as (

    select
        value_tiers.value_tier,
        value_tiers.sort_order,
        avg(segments.value_measure) as average_value
    from {{ ref('customer_segments') }} as segments
    inner join {{ ref('value_tiers') }} as value_tiers
        on segments.value_tier = value_tiers.value_tier
    where not segments.is_prospect
    group by value_tiers.value_tier, value_tiers.sort_order

),

compared as (

    select
        value_tier,
        average_value,
        lag(average_value) over (order by sort_order) as average_value_of_tier_above
    from tier_values

)

select * from compared
where average_value >= average_value_of_tier_above
