{#- customer_features has exactly one row per staged customer known at the as-of date (signed up
    on or before it, or with no sign-up date): returns both counts when they differ. -#}
with

staged as (

    select count(*) as customers
    from {{ ref('stg_raw__customers') }}
    where coalesce(signed_up_date, {{ as_of_date() }}) <= {{ as_of_date() }}

),

features as (

    select count(*) as customers
    from {{ ref('customer_features') }}

)

select
    staged.customers as staged_customers,
    features.customers as feature_rows
from staged
cross join features
where staged.customers != features.customers
