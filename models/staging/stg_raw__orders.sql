with

base as (

    select * from {{ ref('base_raw__orders') }}
    where rejection_reason is null

),

final as (

    select
        order_id,
        customer_id,
        ordered_at,
        {{ local_date('ordered_at') }} as order_date,
        channel,
        order_status,
        currency_code,
        round(gross_amount * cny_per_unit, 2) as gross_amount,
        round(coalesce(discount_amount, 0) * cny_per_unit, 2) as discount_amount,
        round(coalesce(refund_amount, 0) * cny_per_unit, 2) as refund_amount,
        round(cost_amount * cny_per_unit, 2) as cost_amount
    from base

)

select * from final
