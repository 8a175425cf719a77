{#- Purchase likelihood of prospects (购买可能性评分; models/overview.md, 'Lifecycle and
    prospects'), as a query.

    Prospects at score_date (signed up, no purchase yet) are put in cells by engagement (page
    views and ad clicks in the engagement_window_days before the date, banded by
    prospect_engagement_edges) and tenure (days since sign-up, banded by prospect_tenure_edges).
    Each cell's score is the share of the prospects in the same cell one window earlier
    (score_date − window_days) who made a first purchase within window_days, shrunk towards the
    overall share with prospect_score_prior_weight pseudo-prospects:
    (conversions + k · overall) / (prospects + k). purchase_likelihood = 100 × that, rounded.
    converted_in_window tells whether the prospect did buy within window_days after score_date
    (always false at the latest date; the back-test uses it). Both windows are read by
    is_within_days: the engagement window is the reference date and the N − 1 days before it;
    the conversion window the N days after the reference date, i.e. the N days ending on
    reference date + N. -#}
{% macro purchase_likelihood_scores(score_date, window_days) -%}
    {%- set training_date = dbt.dateadd('day', -window_days, score_date) -%}
    {%- set engagement_edges = var('prospect_engagement_edges') -%}
    {%- set tenure_edges = var('prospect_tenure_edges') -%}
    with

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

    snapshots as (
        select
            'training' as snapshot_role,
            {{ training_date }} as reference_date
        union all
        select
            'scoring' as snapshot_role,
            {{ score_date }} as reference_date
    ),

    prospects as (
        select
            snapshots.snapshot_role,
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
            prospects.snapshot_role,
            prospects.customer_id,
            count(engagement_events.customer_id) as engagement_event_count
        from prospects
        left join engagement_events
            on
                prospects.customer_id = engagement_events.customer_id
                and {{ is_within_days(days_between('engagement_events.event_date', 'prospects.reference_date'),
                                      var('engagement_window_days')) }}
        group by prospects.snapshot_role, prospects.customer_id
    ),

    cells as (
        select
            prospects.snapshot_role,
            prospects.customer_id,
            prospects.converted_in_window,
            engaged.engagement_event_count,
            {{ band('engaged.engagement_event_count', engagement_edges, edge_labels(engagement_edges)) }}
                as engagement_band,
            {{ band('prospects.tenure_days', tenure_edges, edge_labels(tenure_edges)) }} as tenure_band
        from prospects
        inner join engaged
            on
                prospects.snapshot_role = engaged.snapshot_role
                and prospects.customer_id = engaged.customer_id
    ),

    cell_rates as (
        select
            engagement_band,
            tenure_band,
            count(*) as cell_prospects,
            sum(case when converted_in_window then 1 else 0 end) as cell_conversions
        from cells
        where snapshot_role = 'training'
        group by engagement_band, tenure_band
    ),

    overall as (
        select avg(case when converted_in_window then cast(1 as {{ type_double() }}) else 0 end) as overall_conversion_rate
        from cells
        where snapshot_role = 'training'
    ),

    scored as (
        select
            cells.customer_id,
            cells.engagement_event_count,
            cells.engagement_band,
            cells.tenure_band,
            cells.converted_in_window,
            coalesce(cell_rates.cell_prospects, 0) as cell_prospects,
            coalesce(cell_rates.cell_conversions, 0) as cell_conversions,
            (
                cast(coalesce(cell_rates.cell_conversions, 0) as {{ type_double() }})
                + {{ var('prospect_score_prior_weight') }} * cast(coalesce(overall.overall_conversion_rate, 0) as {{ type_double() }})
            )
            / (coalesce(cell_rates.cell_prospects, 0) + {{ var('prospect_score_prior_weight') }})
                as conversion_probability
        from cells
        cross join overall
        left join cell_rates
            on
                cells.engagement_band = cell_rates.engagement_band
                and cells.tenure_band = cell_rates.tenure_band
        where cells.snapshot_role = 'scoring'
    )

    select
        *,
        cast(round(100 * conversion_probability) as integer) as purchase_likelihood
    from scored
{%- endmacro %}

{#- Readable labels of the bands between edges: [1, 3, 6] → ['<1', '1-2', '3-5', '6+']. -#}
{% macro edge_labels(edges) -%}
    {%- set labels = ['<' ~ edges[0]] -%}
    {%- for edge in edges[:-1] -%}
        {%- do labels.append(edge ~ '-' ~ (edges[loop.index] - 1)) -%}
    {%- endfor -%}
    {%- do labels.append(edges[-1] ~ '+') -%}
    {{ return(labels) }}
{%- endmacro %}
