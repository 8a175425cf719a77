{#- discounted_clv against values computed by hand (fails with the rows that differ by more than
    1e-9). r = 0.8, i = 0.1: the infinite-horizon multiplier is 0.8 / 0.3 = 2.6667; for N = 3,
    q = 0.8 / 1.1 and q + q² + q³ = 0.72727 + 0.52893 + 0.38468 = 1.64088 (to 5 places, the
    exact sum is 1.640871525...; in doubles: a decimal quotient keeps only six places on Spark). r = 0.5, i = 0: N = 2 gives 0.75 and the infinite horizon 1. -#}
with

cases as (

    select
        'infinite, r 0.8, i 0.1' as case_name,
        {{ discounted_clv(1, 0.8, 0.1) }} as actual,
        cast(8 as {{ type_double() }}) / 3 as expected
    union all
    select
        'N 3, r 0.8, i 0.1' as case_name,
        {{ discounted_clv(1, 0.8, 0.1, 3) }} as actual,
        (cast(0.8 as {{ type_double() }}) / 1.1)
        + power(cast(0.8 as {{ type_double() }}) / 1.1, 2)
        + power(cast(0.8 as {{ type_double() }}) / 1.1, 3) as expected
    union all
    select
        'N 2, r 0.5, i 0, margin 100' as case_name,
        {{ discounted_clv(100, 0.5, 0, 2) }} as actual,
        75.0 as expected
    union all
    select
        'infinite, r 0.5, i 0, margin 100' as case_name,
        {{ discounted_clv(100, 0.5, 0) }} as actual,
        100.0 as expected
    union all
    select
        'N 4, r 1.1 = 1 + i (no decay)' as case_name,
        {{ discounted_clv(10, 1.1, 0.1, 4) }} as actual,
        40.0 as expected
    union all
    select
        'NULL retention' as case_name,
        coalesce({{ discounted_clv(10, 'null', 0.1, 4) }}, -1) as actual,
        -1.0 as expected

)

select *
from cases
where abs(actual - expected) > 1e-9 or actual is null
