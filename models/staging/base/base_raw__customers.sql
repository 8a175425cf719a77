{#- Every raw customer row, parsed once, PII hashed, with the first rule it breaks (if any).
    stg_raw__customers keeps the accepted rows, quarantine_raw__customers the rest. -#}
with

source as (

    select * from {{ raw_source('customers', ref('base_raw__files')) }}

),

city_aliases as (

    select
        city as city_alias,
        city
    from {{ ref('geo_cities') }}
    union all
    select
        city_en as city_alias,
        city
    from {{ ref('geo_cities') }}

),

parsed as (

    select
        source.file_row_number as raw_row_number,
        {{ clean_id('source.customer_id') }} as customer_id,
        {{ hash_pii('source.name') }} as name_hash,
        {{ hash_pii('source.phone') }} as phone_hash,
        {{ hash_pii('source.email') }} as email_hash,
        {{ hash_pii('source.id_number') }} as id_number_hash,
        case
            when {{ clean_text('source.gender') }} in ('m', 'male', '男') then 'male'
            when {{ clean_text('source.gender') }} in ('f', 'female', '女') then 'female'
        end as gender,
        source.birth_date as birth_date_text,
        {{ parse_date('source.birth_date') }} as birth_date,
        {{ clean_text('source.education') }} as education,
        {{ clean_text('source.occupation') }} as occupation,
        source.monthly_income as monthly_income_text,
        {{ parse_decimal('source.monthly_income') }} as monthly_income,
        source.city as city_text,
        coalesce(
            city_aliases.city,
            nullif(regexp_replace(trim(source.city), '市$', ''), '')
        ) as city,
        nullif(regexp_replace(trim(source.province), '(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)$', ''), '')
            as province,
        case
            when {{ clean_text('source.customer_type') }} in ('individual', '2c') then 'individual'
            when {{ clean_text('source.customer_type') }} in ('business', '2b') then 'business'
            when {{ clean_text('source.customer_type') }} in ('government', '2g') then 'government'
        end as customer_type,
        {{ clean_text('source.company_size') }} as company_size,
        {{ clean_text('source.industry') }} as industry,
        source.signed_up_at as signed_up_at_text,
        {{ parse_timestamp_utc('source.signed_up_at') }} as signed_up_at,
        {{ clean_text('source.acquisition_channel') }} as acquisition_channel,
        {{ clean_text('source.lifestyle') }} as lifestyle,
        {{ clean_text('source.personal_values') }} as personal_values,
        case
            when upper(trim(source.credit_rating)) in ('A', 'B', 'C', 'D') then upper(trim(source.credit_rating))
        end as credit_rating
    from source
    left join city_aliases
        on lower(regexp_replace(trim(source.city), '市$', '')) = lower(city_aliases.city_alias)

),

keyed as (

    {{ with_first_row_number('parsed', 'customer_id') }}

),

final as (

    select
        *,
        {{ rejection_reason([
            ["customer_id is null", "missing_customer_id"],
            [has_broken_encoding(["customer_id"]), "broken_encoding"],
            [is_repeated_key(), "duplicate_id"],
            ["signed_up_at_text is not null and signed_up_at is null", "unparseable_timestamp"],
            ["signed_up_at > " ~ build_started_at(), "future_timestamp"],
            ["monthly_income_text is not null and (monthly_income is null or monthly_income < 0)", "unparseable_number"],
            ["birth_date_text is not null and birth_date is null", "impossible_age"],
            ["birth_date > coalesce(cast(signed_up_at as date), cast(" ~ build_started_at() ~ " as date))", "impossible_age"],
            [dbt.datediff("birth_date", "coalesce(cast(signed_up_at as date), cast(" ~ build_started_at() ~ " as date))", "year")
                ~ " > " ~ var("max_customer_age_years"), "impossible_age"],
        ]) }} as rejection_reason
    from keyed

)

select * from final
