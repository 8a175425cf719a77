{#- Every raw engagement event, parsed once, with the first rule it breaks. Incremental: see
    macros/incremental/incremental.sql. -#}
{{ raw_row_incremental() }}

with

source as (

    select * from {{ raw_source('customer_events', ref('base_raw__files')) }}
    where {{ raw_rows_to_stage('occurred_at', ['unknown_customer_id', 'future_timestamp']) }}

),

event_types as (

    select event_type from {{ ref('event_types') }}

),

accepted_customers as (

    select customer_id from {{ ref('base_raw__customers') }}
    where rejection_reason is null

),

parsed as (

    select
        source.file_row_number as raw_row_number,
        coalesce(
            {{ clean_id('source.event_id') }},
            'row-' || cast(source.file_row_number as {{ dbt.type_string() }})
        ) as event_id,
        {{ clean_id('source.customer_id') }} as customer_id,
        source.occurred_at as occurred_at_text,
        {{ parse_timestamp_utc('source.occurred_at') }} as occurred_at,
        {{ clean_text('source.event_type') }} as event_type,
        event_types.event_type is not null as is_known_event_type,
        accepted_customers.customer_id is not null as is_known_customer
    from source
    left join event_types
        on {{ clean_text('source.event_type') }} = event_types.event_type
    left join accepted_customers
        on {{ clean_id('source.customer_id') }} = accepted_customers.customer_id

),

keyed as (

    {{ with_first_row_number('parsed', 'event_id') }}

),

checked as (

    select
        *,
        {{ rejection_reason([
            ["customer_id is null", "missing_customer_id"],
            [is_repeated_key(), "duplicate_id"],
            ["occurred_at is null", "unparseable_timestamp"],
            ["occurred_at > " ~ build_started_at(), "future_timestamp"],
            ["not is_known_event_type", "unknown_event_type"],
            ["not is_known_customer", "unknown_customer_id"],
        ]) }} as rejection_reason
    from keyed

),

final as (

    select
        raw_row_number,
        event_id,
        customer_id,
        {{ kept_if_rejected('occurred_at_text') }},
        occurred_at,
        event_type,
        is_known_event_type,
        is_known_customer,
        rejection_reason,
        {{ build_started_at() }} as staged_at
    from checked

)

select * from final
