{#- Engagement events up to the as-of date counted per customer (engagement value, the e-value:
    models/overview.md, 'Engagement value'), and the engagement score: the sum of events weighted by the var engagement_weights. Clicks and page
    views count over the last engagement_window_days (is_within_days: the as-of date and the
    N − 1 days before it); the rest over the whole history. Customer state
    (macros/incremental/customer_state.sql): an incremental run recomputes the customers whose
    events the latest batch touched and those with an event that crossed the as-of date or the
    window's edge. -#}
{{ customer_state_incremental() }}
{{ config(
    pre_hook="{{ delete_affected_customers(
        ref('stg_raw__customer_events'),
        'event_date',
        [var('engagement_window_days')],
        ref('int_as_of_date_resolved'),
        ref('int_customer_state_as_of_dates'),
        customer_batches=[ref('base_raw__customer_events')]) }}",
    post_hook="{{ record_state_as_of_date(
        ref('int_as_of_date_resolved'), ref('int_customer_state_as_of_dates')) }}",
) }}
{%- set weights = var('engagement_weights') -%}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

events as (

    select
        events.customer_id,
        events.event_type,
        as_of.as_of_date,
        {{ is_within_days(days_between('events.event_date', 'as_of.as_of_date'), var('engagement_window_days')) }}
            as is_recent
    from {{ ref('stg_raw__customer_events') }} as events
    cross join as_of
    where events.event_date <= as_of.as_of_date and {{ is_touched('customer_id') }}

),

counted as (

    select
        customer_id,
        count(case when event_type = 'page_view' and is_recent then 1 end) as page_views_in_engagement_window,
        count(case when event_type = 'ad_click' and is_recent then 1 end) as ad_clicks_in_engagement_window,
        count(case when event_type = 'review' then 1 end) as review_count,
        count(case when event_type = 'complaint' then 1 end) as complaint_count,
        count(case when event_type = 'product_suggestion' then 1 end) as product_suggestion_count,
        count(case when event_type = 'referral_signup' then 1 end) as referral_signup_count,
        count(case when event_type = 'referral_purchase' then 1 end) as successful_referral_count,
        count(case when event_type = 'value_added_purchase' then 1 end) as value_added_purchase_count,
        max(as_of_date) as computed_as_of_date
    from events
    group by customer_id

),

final as (

    select
        *,
        page_views_in_engagement_window * {{ weights['page_view'] }}
        + ad_clicks_in_engagement_window * {{ weights['ad_click'] }}
        + review_count * {{ weights['review'] }}
        + complaint_count * {{ weights['complaint'] }}
        + product_suggestion_count * {{ weights['product_suggestion'] }}
        + referral_signup_count * {{ weights['referral_signup'] }}
        + successful_referral_count * {{ weights['referral_purchase'] }}
        + value_added_purchase_count * {{ weights['value_added_purchase'] }} as engagement_score
    from counted

)

select * from final
