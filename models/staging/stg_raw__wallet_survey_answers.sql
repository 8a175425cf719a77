with

base as (

    select * from {{ ref('base_raw__wallet_survey') }}
    where rejection_reason is null

),

final as (

    select
        response_id,
        customer_id,
        surveyed_at,
        {{ local_date('surveyed_at') }} as surveyed_date,
        category,
        stated_annual_spend
    from base

)

select * from final
