{#- Companion of purchase_likelihood_ranks_prospects_on_history (warn): one row with the reason
    when the back-test had fewer than three prospects to rank one window before the as-of date,
    so it was skipped. Zero prospects is a valid state (no sign-up dates: every known customer
    has bought); the warning and the log line of report_skipped_tests say the score is untested. -#}
{{ config(severity='warn', meta={'skip_message': 'no prospects: back-test skipped'}) }}
with

scored as (

    select * from {{ ref('int_prospects_scored') }}
    where is_back_test

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
