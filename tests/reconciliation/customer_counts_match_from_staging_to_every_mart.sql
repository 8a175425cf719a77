{#- The customers known at the as-of date in staging are, one for one, the rows of every
    customer-grain mart and of the history at that date. Returns the counts when any differs. -#}
{%- set as_of_date = '(select as_of_date from ' ~ ref('int_as_of_date_resolved') ~ ')' -%}
with

counts as (

    select
        (
            select count(*) from {{ ref('stg_raw__customers') }}
            where coalesce(signed_up_date, {{ as_of_date }}) <= {{ as_of_date }}
        ) as staged_customers,
        (select count(*) from {{ ref('customer_features') }}) as features_rows,
        (select count(*) from {{ ref('customer_lifetime_value') }}) as lifetime_value_rows,
        (select count(*) from {{ ref('customer_share_of_wallet') }}) as share_of_wallet_rows,
        (select count(*) from {{ ref('customer_segments') }}) as segments_rows,
        (
            select count(*) from {{ ref('customer_segment_history') }}
            where as_of_date = {{ as_of_date }}
        ) as history_rows

)

select *
from counts
where
    features_rows != staged_customers
    or lifetime_value_rows != staged_customers
    or share_of_wallet_rows != staged_customers
    or segments_rows != staged_customers
    or history_rows != staged_customers
