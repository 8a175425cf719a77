{#- Companion of purchase_likelihood_ranks_prospects_on_history (warn): one row with the reason
    when the back-test had fewer than three prospects to rank one window before the as-of date,
    so it was skipped. Zero prospects is a valid state (no sign-up dates: every known customer
    has bought); the warning and the log line of report_skipped_tests say the score is untested. -#}
{{ config(severity='warn', meta={'skip_message': 'no prospects: back-test skipped'}) }}
{%- set window = var('prospect_conversion_window_days') -%}
with

scored as (

    {{ purchase_likelihood_scores(dbt.dateadd('day', -window, as_of_date()), window) }}

),

counted as (

    select count(*) as prospects
    from scored

)

select
    prospects,
    'no prospects: back-test skipped' as reason
from counted
where prospects < 3
