{#- Purchase likelihood of prospects (购买可能性评分; models/overview.md, 'Lifecycle and
    prospects'), scored at the as-of date and, for the back-test, one window earlier.

    Prospects at a reference date (signed up, no purchase yet) are put in cells by engagement
    (page views and ad clicks in the engagement_window_days before the date, banded by
    prospect_engagement_edges) and tenure (days since sign-up, banded by prospect_tenure_edges).
    Each cell's score is the share of the prospects in the same cell one window earlier (the
    reference date − prospect_conversion_window_days) who made a first purchase within the
    window, shrunk towards the overall share with prospect_score_prior_weight pseudo-prospects:
    (conversions + k · overall) / (prospects + k). purchase_likelihood = 100 × that, rounded.
    converted_in_window tells whether the prospect did buy within the window after the scoring
    date (always false at the as-of date; the back-test rows, is_back_test, use it). Both windows
    are read by is_within_days: the engagement window is the reference date and the N − 1 days
    before it; the conversion window the N days after the reference date. -#}
{%- set window_days = var('prospect_conversion_window_days') -%}
{%- set engagement_edges = var('prospect_engagement_edges') -%}
{%- set tenure_edges = var('prospect_tenure_edges') -%}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

signed_up as (

    select
        customer_id,
        signed_up_date
    from {{ ref('stg_raw__customers') }}
    where signed_up_date is not null

),

first_purchases as (

    select
        customer_id,
        min(order_date) as first_purchase_date
    from {{ ref('int_orders_netted') }}
    where is_purchase
    group by customer_id

),

engagement_events as (

    select
        customer_id,
        event_date
    from {{ ref('stg_raw__customer_events') }}
    where event_type in ('page_view', 'ad_click')

),

-- windows_back 0 is scored now, 1 is scored for the back-test; each is trained on the
-- reference date one window before it
snapshots as (

    {%- for windows_back in [0, 1, 2] %}
    select
        {{ windows_back }} as windows_back,
        {{ dbt.dateadd('day', -window_days * windows_back, 'as_of.as_of_date') }} as reference_date
    from as_of
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

prospects as (

    select
        snapshots.windows_back,
        snapshots.reference_date,
        signed_up.customer_id,
        {{ days_between('signed_up.signed_up_date', 'snapshots.reference_date') }} as tenure_days,
        coalesce(
            {{ is_within_days(
                days_between('first_purchases.first_purchase_date',
                             dbt.dateadd('day', window_days, 'snapshots.reference_date')),
                window_days) }},
            false
        ) as converted_in_window
    from signed_up
    cross join snapshots
    left join first_purchases
        on signed_up.customer_id = first_purchases.customer_id
    where
        signed_up.signed_up_date <= snapshots.reference_date
        and (
            first_purchases.first_purchase_date is null
            or first_purchases.first_purchase_date > snapshots.reference_date
        )

),

engaged as (

    select
        prospects.windows_back,
        prospects.customer_id,
        count(engagement_events.customer_id) as engagement_event_count
    from prospects
    left join engagement_events
        on
            prospects.customer_id = engagement_events.customer_id
            and {{ is_within_days(days_between('engagement_events.event_date', 'prospects.reference_date'),
                                  var('engagement_window_days')) }}
    group by prospects.windows_back, prospects.customer_id

),

cells as (

    select
        prospects.windows_back,
        prospects.reference_date,
        prospects.customer_id,
        prospects.converted_in_window,
        engaged.engagement_event_count,
        {{ band('engaged.engagement_event_count', engagement_edges, edge_labels(engagement_edges)) }}
            as engagement_band,
        {{ band('prospects.tenure_days', tenure_edges, edge_labels(tenure_edges)) }} as tenure_band
    from prospects
    inner join engaged
        on
            prospects.windows_back = engaged.windows_back
            and prospects.customer_id = engaged.customer_id

),

cell_rates as (

    select
        windows_back,
        engagement_band,
        tenure_band,
        count(*) as cell_prospects,
        sum(case when converted_in_window then 1 else 0 end) as cell_conversions
    from cells
    group by windows_back, engagement_band, tenure_band

),

overall as (

    select
        snapshots.windows_back,
        avg(case when cells.converted_in_window then cast(1 as {{ type_double() }}) else 0 end)
            as overall_conversion_rate
    from snapshots
    left join cells
        on snapshots.windows_back = cells.windows_back
    group by snapshots.windows_back

),

scored as (

    select
        cells.customer_id,
        cells.reference_date as scored_as_of_date,
        cells.windows_back = 1 as is_back_test,
        cells.engagement_event_count,
        cells.engagement_band,
        cells.tenure_band,
        cells.converted_in_window,
        coalesce(cell_rates.cell_prospects, 0) as cell_prospects,
        coalesce(cell_rates.cell_conversions, 0) as cell_conversions,
        (
            cast(coalesce(cell_rates.cell_conversions, 0) as {{ type_double() }})
            + {{ var('prospect_score_prior_weight') }}
            * cast(coalesce(overall.overall_conversion_rate, 0) as {{ type_double() }})
        )
        / (coalesce(cell_rates.cell_prospects, 0) + {{ var('prospect_score_prior_weight') }})
            as conversion_probability
    from cells
    -- trained on the reference date one window earlier
    inner join overall
        on cells.windows_back + 1 = overall.windows_back
    left join cell_rates
        on
            cells.windows_back + 1 = cell_rates.windows_back
            and cells.engagement_band = cell_rates.engagement_band
            and cells.tenure_band = cell_rates.tenure_band
    where cells.windows_back in (0, 1)

),

final as (

    select
        {{ dbt.concat(['scored.customer_id', "'|'", 'cast(scored.is_back_test as ' ~ dbt.type_string() ~ ')']) }}
            as prospect_score_id,
        scored.*,
        cast(round(100 * scored.conversion_probability) as integer) as purchase_likelihood
    from scored

)

select * from final
