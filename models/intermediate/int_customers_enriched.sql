{#- Staged customers known at the as-of date, with demographic bands (ages as of the as-of
    date) and geography from the seed tables. A city missing from geo_cities keeps its name and
    gets city tier and region 'unknown'. -#}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

customers as (

    select * from {{ ref('stg_raw__customers') }}

),

cities as (

    select * from {{ ref('geo_cities') }}

),

provinces as (

    select * from {{ ref('geo_provinces') }}

),

enriched as (

    select
        customers.customer_id,
        customers.customer_type,
        customers.signed_up_date,
        customers.gender,
        customers.birth_date,
        {{ full_years_between('customers.birth_date', 'as_of.as_of_date') }} as age,
        customers.monthly_income,
        customers.education as education_level,
        customers.occupation as occupation_group,
        customers.company_size,
        customers.industry,
        customers.city,
        coalesce(cities.province, customers.province) as province,
        coalesce(provinces.region_code, 'unknown') as region,
        coalesce(cities.city_tier, 'unknown') as city_tier,
        customers.lifestyle,
        customers.personal_values as values_segment,
        customers.credit_rating,
        customers.acquisition_channel
    from customers
    cross join as_of
    left join cities
        on customers.city = cities.city
    left join provinces
        on coalesce(cities.province, customers.province) = provinces.province
    where coalesce(customers.signed_up_date, as_of.as_of_date) <= as_of.as_of_date

),

final as (

    select
        *,
        {{ band('age', var('age_band_edges'), var('age_band_labels')) }} as age_band,
        {{ band('monthly_income', var('income_band_edges'), var('income_band_labels')) }} as income_band
    from enriched

)

select * from final
