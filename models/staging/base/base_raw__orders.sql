{#- Every raw order row, parsed once, with the rate to the reporting currency (var
    reporting_currency) and the first rule it breaks. A negative gross amount is a return
    (DECISIONLOG.md "Returns and cancellations").
    stg_raw__orders keeps the accepted rows, quarantine_raw__orders the rest. The raw text of a
    parsed column is kept for rejected rows only. Incremental: see macros/incremental/incremental.sql. -#}
{{ raw_row_incremental() }}

with

source as (

    select * from {{ raw_source('orders', ref('base_raw__files')) }}
    where {{ raw_rows_to_stage('ordered_at', ['unknown_customer_id', 'future_timestamp']) }}

),

reporting as (

    {{ reporting_currency_rate(ref('currency_codes')) }}

),

currencies as (

    select
        currency_codes.raw_code,
        currency_codes.currency_code,
        -- reporting currency per unit: the CNY pivot divided out, rounded to the seed's scale
        cast(currency_codes.cny_per_unit / reporting.cny_per_unit as decimal(18, 6)) as reporting_per_unit
    from {{ ref('currency_codes') }} as currency_codes
    cross join reporting

),

accepted_customers as (

    select customer_id from {{ ref('base_raw__customers') }}
    where rejection_reason is null

),

parsed as (

    select
        source.file_row_number as raw_row_number,
        {{ clean_id('source.order_id') }} as order_id,
        {{ clean_id('source.customer_id') }} as customer_id,
        source.ordered_at as ordered_at_text,
        {{ parse_timestamp_utc('source.ordered_at') }} as ordered_at,
        {{ clean_text('source.channel') }} as channel,
        coalesce({{ clean_text('source.status') }}, 'completed') as order_status,
        source.currency as currency_text,
        currencies.currency_code,
        currencies.reporting_per_unit,
        source.gross_amount as gross_amount_text,
        source.discount_amount as discount_amount_text,
        source.refund_amount as refund_amount_text,
        source.cost_amount as cost_amount_text,
        {{ parse_decimal('source.gross_amount') }} as gross_amount_in_order_currency,
        {{ parse_decimal('source.discount_amount') }} as discount_amount_in_order_currency,
        {{ parse_decimal('source.refund_amount') }} as refund_amount_in_order_currency,
        {{ parse_decimal('source.cost_amount') }} as cost_amount_in_order_currency,
        accepted_customers.customer_id is not null as is_known_customer
    from source
    left join currencies
        on upper(coalesce(nullif(trim(source.currency), ''), '{{ var("default_currency") }}')) = currencies.raw_code
    left join accepted_customers
        on {{ clean_id('source.customer_id') }} = accepted_customers.customer_id

),

keyed as (

    {{ with_first_row_number('parsed', 'order_id') }}

),

checked as (

    select
        *,
        {{ rejection_reason([
            ["order_id is null", "missing_order_id"],
            ["customer_id is null", "missing_customer_id"],
            [has_broken_encoding(["order_id", "customer_id"]), "broken_encoding"],
            [is_repeated_key(), "duplicate_id"],
            ["ordered_at is null", "unparseable_timestamp"],
            ["ordered_at > " ~ build_started_at(), "future_timestamp"],
            ["gross_amount_in_order_currency is null"
                ~ " or (" ~ clean_id("discount_amount_text") ~ " is not null and discount_amount_in_order_currency is null)"
                ~ " or (" ~ clean_id("refund_amount_text") ~ " is not null and refund_amount_in_order_currency is null)"
                ~ " or (" ~ clean_id("cost_amount_text") ~ " is not null and cost_amount_in_order_currency is null)", "unparseable_number"],
            ["discount_amount_in_order_currency < 0 or refund_amount_in_order_currency < 0 or (cost_amount_in_order_currency < 0 and gross_amount_in_order_currency >= 0)", "negative_amount"],
            ["gross_amount_in_order_currency < 0 and (coalesce(discount_amount_in_order_currency, 0) != 0 or coalesce(refund_amount_in_order_currency, 0) != 0)", "discount_on_return"],
            ["gross_amount_in_order_currency >= 0 and refund_amount_in_order_currency > gross_amount_in_order_currency", "refund_above_gross"],
            ["abs(cast(gross_amount_in_order_currency as " ~ type_double() ~ ")) * coalesce(reporting_per_unit, 1) > " ~ var("max_order_amount"), "absurd_amount"],
            ["currency_code is null", "unknown_currency"],
            ["order_status not in ('completed', 'cancelled', 'returned')", "unknown_status"],
            ["not is_known_customer", "unknown_customer_id"],
        ]) }} as rejection_reason
    from keyed

),

final as (

    select
        raw_row_number,
        order_id,
        customer_id,
        {{ kept_if_rejected('ordered_at_text') }},
        ordered_at,
        channel,
        order_status,
        {{ kept_if_rejected('currency_text') }},
        currency_code,
        reporting_per_unit,
        {{ kept_if_rejected('gross_amount_text') }},
        {{ kept_if_rejected('discount_amount_text') }},
        {{ kept_if_rejected('refund_amount_text') }},
        {{ kept_if_rejected('cost_amount_text') }},
        gross_amount_in_order_currency,
        discount_amount_in_order_currency,
        refund_amount_in_order_currency,
        cost_amount_in_order_currency,
        is_known_customer,
        rejection_reason,
        {{ build_started_at() }} as staged_at
    from checked

)

select * from final
