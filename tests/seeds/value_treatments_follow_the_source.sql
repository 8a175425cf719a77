{#- The treatments of the customer pyramid as the source gives them: platinum 屈从型 comply, gold
    关怀型 care, iron and lead (profitable) 适应型 adapt with an action that develops long-term
    value, prospects convert, and 冷漠型 minimal as the one treatment for customers who bring no
    profit or cause losses. Returns every tier or treatment that differs from this table. -#}
with

expected as (

    select 'platinum' as value_tier, 'comply' as treatment, '屈从型' as label_zh, false as is_for_unprofitable
    union all
    select 'gold' as value_tier, 'care' as treatment, '关怀型' as label_zh, false as is_for_unprofitable
    union all
    select 'iron' as value_tier, 'adapt' as treatment, '适应型' as label_zh, false as is_for_unprofitable
    union all
    select 'lead' as value_tier, 'adapt' as treatment, '适应型' as label_zh, false as is_for_unprofitable
    union all
    select 'prospect' as value_tier, 'convert' as treatment, '转化型' as label_zh, false as is_for_unprofitable
    union all
    select null as value_tier, 'minimal' as treatment, '冷漠型' as label_zh, true as is_for_unprofitable

),

actual as (

    select
        value_tiers.value_tier,
        treatments.treatment,
        treatments.label_zh,
        treatments.is_for_unprofitable
    from {{ ref('value_tiers') }} as value_tiers
    inner join {{ ref('value_treatments') }} as treatments
        on value_tiers.treatment = treatments.treatment
    union all
    select
        null as value_tier,
        treatment,
        label_zh,
        is_for_unprofitable
    from {{ ref('value_treatments') }}
    where is_for_unprofitable

),

missing as (

    select 'missing' as problem, * from expected
    except
    select 'missing' as problem, * from actual

),

unexpected as (

    select 'unexpected' as problem, * from actual
    except
    select 'unexpected' as problem, * from expected

),

adapt_action as (

    select
        'adapt action does not develop long-term value' as problem,
        null as value_tier,
        treatment,
        label_zh,
        is_for_unprofitable
    from {{ ref('value_treatments') }}
    where
        treatment = 'adapt'
        and not (lower(recommended_action) like '%long-term value%' and recommended_action_zh like '%长期价值%')

)

select * from missing
union all
select * from unexpected
union all
select * from adapt_action
