with

base as (

    select * from {{ ref('base_raw__customer_events') }}
    where rejection_reason is null

),

final as (

    select
        event_id,
        customer_id,
        occurred_at,
        {{ local_date('occurred_at') }} as event_date,
        event_type
    from base

)

select * from final
