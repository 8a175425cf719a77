with

base as (

    select * from {{ ref('base_raw__order_items') }}
    where rejection_reason is null

),

final as (

    select
        {{ dbt.concat(['order_id', "'-'", 'cast(line_number as ' ~ dbt.type_string() ~ ')']) }} as order_item_id,
        order_id,
        line_number,
        product_id,
        category,
        quantity,
        cast(unit_price_in_order_currency as decimal(38, 2)) * reporting_per_unit as unit_price,
        cast(quantity as decimal(38, 3)) * unit_price_in_order_currency * reporting_per_unit as line_amount
    from base

)

select * from final
