{#- The treatments of the customer pyramid as the source gives them: platinum 屈从型 comply, gold
    关怀型 care, iron and lead (profitable) 适应型 adapt with an action that develops long-term
    value, prospects 转化型 convert, and 冷漠型 minimal as the one treatment for customers who bring
    no profit or cause losses (key 'unprofitable' below). Returns every key whose treatment
    differs from this table, is missing or is doubled. -#}
with

expected as (

    select
        'platinum' as tier_key,
        'comply' as treatment,
        '屈从型' as label_zh
    union all
    select
        'gold' as tier_key,
        'care' as treatment,
        '关怀型' as label_zh
    union all
    select
        'iron' as tier_key,
        'adapt' as treatment,
        '适应型' as label_zh
    union all
    select
        'lead' as tier_key,
        'adapt' as treatment,
        '适应型' as label_zh
    union all
    select
        'prospect' as tier_key,
        'convert' as treatment,
        '转化型' as label_zh
    union all
    select
        'unprofitable' as tier_key,
        'minimal' as treatment,
        '冷漠型' as label_zh

),

actual as (

    select
        value_tiers.value_tier as tier_key,
        treatments.treatment,
        treatments.label_zh,
        treatments.recommended_action,
        treatments.recommended_action_zh
    from {{ ref('value_tiers') }} as value_tiers
    left join {{ ref('value_treatments') }} as treatments
        on value_tiers.treatment = treatments.treatment
    where not coalesce(treatments.is_for_unprofitable, false)
    union all
    select
        'unprofitable' as tier_key,
        treatment,
        label_zh,
        recommended_action,
        recommended_action_zh
    from {{ ref('value_treatments') }}
    where is_for_unprofitable

),

compared as (

    select
        expected.tier_key,
        expected.treatment as expected_treatment,
        max(actual.treatment) as treatment,
        count(actual.tier_key) as rows_found,
        sum(case when actual.treatment = expected.treatment and actual.label_zh = expected.label_zh then 1 else 0 end)
            as rows_matching,
        sum(
            case
                when
                    lower(actual.recommended_action) like '%long-term value%'
                    and actual.recommended_action_zh like '%长期价值%'
                    then 1
                else 0
            end
        ) as rows_developing_long_term_value
    from expected
    left join actual
        on expected.tier_key = actual.tier_key
    group by expected.tier_key, expected.treatment

)

select
    tier_key,
    expected_treatment,
    treatment,
    rows_found,
    rows_matching
from compared
where
    rows_found != 1
    or rows_matching != 1
    or (tier_key in ('iron', 'lead') and rows_developing_long_term_value != 1)
