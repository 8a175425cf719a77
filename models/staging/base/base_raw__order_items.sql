{#- Every raw order line, parsed once, with the first rule it breaks. Lines of an order that
    was quarantined are quarantined too: guest_order_line when the order had no customer id (a
    guest checkout), else unknown_order_id. A negative quantity is a returned line, accepted.
    Incremental: new lines, and every line of an order staged in the same run (its acceptance
    and currency decide the line's); see macros/incremental/incremental.sql. -#}
{{ raw_row_incremental() }}

with

source as (

    select * from {{ raw_source('order_items', ref('base_raw__files')) }}
    where {{ raw_rows_to_stage(
        also_restage=clean_id('order_id') ~ ' in (' ~ touched_keys([ref('base_raw__orders')], 'order_id') ~ ')'
    ) }}

),

accepted_orders as (

    select
        order_id,
        reporting_per_unit
    from {{ ref('base_raw__orders') }}
    where rejection_reason is null

),

-- orders quarantined only because they have no customer id (guest checkouts): their lines are
-- guest_order_line, not unknown_order_id, and neither counts towards the quarantine rate
guest_orders as (

    select distinct order_id
    from {{ ref('base_raw__orders') }}
    where rejection_reason = 'missing_customer_id' and order_id is not null

),

parsed as (

    select
        source.file_row_number as raw_row_number,
        {{ clean_id('source.order_id') }} as order_id,
        source.line_number as line_number_text,
        {{ parse_integer('source.line_number') }} as line_number,
        {{ clean_id('source.product_id') }} as product_id,
        {{ clean_text('source.category') }} as category,
        source.quantity as quantity_text,
        {{ parse_decimal('source.quantity', 18, 3) }} as quantity,
        source.unit_price as unit_price_text,
        {{ parse_decimal('source.unit_price') }} as unit_price_in_order_currency,
        accepted_orders.reporting_per_unit,
        accepted_orders.order_id is not null as is_known_order,
        guest_orders.order_id is not null as is_guest_order
    from source
    left join accepted_orders
        on {{ clean_id('source.order_id') }} = accepted_orders.order_id
    left join guest_orders
        on {{ clean_id('source.order_id') }} = guest_orders.order_id

),

keyed as (

    {{ with_first_row_number('parsed', ['order_id', 'line_number_text']) }}

),

checked as (

    select
        *,
        {{ rejection_reason([
            ["order_id is null", "missing_order_id"],
            [is_repeated_key(), "duplicate_id"],
            ["line_number is null or quantity is null or unit_price_in_order_currency is null", "unparseable_number"],
            ["unit_price_in_order_currency < 0", "negative_amount"],
            ["not is_known_order and is_guest_order", "guest_order_line"],
            ["not is_known_order", "unknown_order_id"],
        ]) }} as rejection_reason
    from keyed

),

final as (

    select
        raw_row_number,
        order_id,
        line_number_text,
        line_number,
        product_id,
        category,
        {{ kept_if_rejected('quantity_text') }},
        quantity,
        {{ kept_if_rejected('unit_price_text') }},
        unit_price_in_order_currency,
        reporting_per_unit,
        is_known_order,
        is_guest_order,
        rejection_reason,
        {{ build_started_at() }} as staged_at
    from checked

)

select * from final
