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
        -- a negative gross amount is a return whatever the status says (a cancellation invoice,
        -- a refund row of an orders-only log): it nets against revenue, never a purchase
        case when gross_amount_in_order_currency < 0 then 'returned' else order_status end as order_status,
        currency_code,
        -- converted to the reporting currency exactly (amount × the seed rate, not rounded), so
        -- gross − discount − refund nets to the cent; wide enough that no amount staging accepts
        -- can overflow
        cast(gross_amount_in_order_currency as decimal(38, 2)) * reporting_per_unit as gross_amount,
        cast(coalesce(discount_amount_in_order_currency, 0) as decimal(38, 2)) * reporting_per_unit as discount_amount,
        cast(coalesce(refund_amount_in_order_currency, 0) as decimal(38, 2)) * reporting_per_unit as refund_amount,
        cast(cost_amount_in_order_currency as decimal(38, 2)) * reporting_per_unit as cost_amount
    from base

)

select * from final
