{#- Back-test of the prospect score: score the prospects of one window before the as-of date
    (trained on the window before that), then look at who bought within the window. The top
    third by score must have converted more often than the bottom third. Returns one row with
    both rates when it did not. Fewer than three prospects (none at all on data without sign-up
    dates, an orders-only log) cannot be split in thirds: the back-test is skipped, not failed,
    and the warn-severity companion purchase_likelihood_back_test_has_prospects says so. -#}
with

scored as (

    select * from {{ ref('int_prospects_scored') }}
    where is_back_test

),

thirds as (

    select
        converted_in_window,
        ntile(3) over (order by conversion_probability desc, customer_id asc) as score_third
    from scored

),

rates as (

    select
        avg(case when score_third = 1 and converted_in_window then 1.0 when score_third = 1 then 0.0 end)
            as top_third_conversion_rate,
        avg(case when score_third = 3 and converted_in_window then 1.0 when score_third = 3 then 0.0 end)
            as bottom_third_conversion_rate,
        count(*) as prospects
    from thirds

)

select * from rates
where
    prospects >= 3
    and not top_third_conversion_rate > bottom_third_conversion_rate
