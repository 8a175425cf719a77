{#- Every raw wallet-survey answer, parsed once, with the first rule it breaks. -#}
with

source as (

    select * from {{ raw_source('wallet_survey', ref('base_raw__files')) }}

),

categories as (

    select category from {{ ref('product_categories') }}

),

accepted_customers as (

    select customer_id from {{ ref('base_raw__customers') }}
    where rejection_reason is null

),

parsed as (

    select
        source.file_row_number as raw_row_number,
        coalesce(
            {{ clean_id('source.response_id') }},
            'row-' || cast(source.file_row_number as {{ dbt.type_string() }})
        ) as response_id,
        {{ clean_id('source.customer_id') }} as customer_id,
        source.surveyed_at as surveyed_at_text,
        {{ parse_timestamp_utc('source.surveyed_at') }} as surveyed_at,
        {{ clean_text('source.category') }} as category,
        categories.category is not null as is_known_category,
        source.stated_annual_spend as stated_annual_spend_text,
        {{ parse_decimal('source.stated_annual_spend') }} as stated_annual_spend,
        accepted_customers.customer_id is not null as is_known_customer
    from source
    left join categories
        on {{ clean_text('source.category') }} = categories.category
    left join accepted_customers
        on {{ clean_id('source.customer_id') }} = accepted_customers.customer_id

),

keyed as (

    {{ with_first_row_number('parsed', 'response_id') }}

),

final as (

    select
        *,
        {{ rejection_reason([
            ["customer_id is null", "missing_customer_id"],
            [is_repeated_key(), "duplicate_id"],
            ["surveyed_at is null", "unparseable_timestamp"],
            ["surveyed_at > " ~ build_started_at(), "future_timestamp"],
            ["not is_known_category", "unknown_category"],
            ["stated_annual_spend is null or stated_annual_spend < 0", "malformed_answer"],
            ["not is_known_customer", "unknown_customer_id"],
        ]) }} as rejection_reason
    from keyed

)

select * from final
