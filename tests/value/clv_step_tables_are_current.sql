{#- Spark: the segmart step's tables belong to this build. They are written by `segmart build`
    between dbt's two runs; a plain `dbt build` afterwards on new data would read tables chosen
    for another as-of date or other customers. One row per problem: the parameters were chosen
    for another as-of date than the build's, a buyer has no prediction or a prediction has no
    buyer, or a fit this build made on every buyer counted another number of them (a reused fit
    was made on earlier data). Off where the Python models fit (DuckDB, Databricks). -#}
{{ config(enabled=target.type not in ['duckdb', 'databricks']) }}

with

fitted as (

    select * from {{ ref('int_clv_parameters_selected') }}

),

resolved as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

buyers as (

    select customer_id from {{ ref('int_customer_btyd_summarised') }}

),

scored as (

    select customer_id from {{ ref('int_customer_clv_predicted') }}

),

problems as (

    select 'chosen for another as-of date' as problem, cast(fitted.as_of_date as {{ dbt.type_string() }}) as detail
    from fitted
    cross join resolved
    where fitted.as_of_date <> resolved.as_of_date

    union all

    select
        case when scored.customer_id is null then 'buyer without a prediction' else 'prediction without a buyer' end
            as problem,
        coalesce(buyers.customer_id, scored.customer_id) as detail
    from buyers
    full outer join scored on buyers.customer_id = scored.customer_id
    where buyers.customer_id is null or scored.customer_id is null

    union all

    select 'fitted on another number of buyers' as problem, cast(fitted.customer_count as {{ dbt.type_string() }}) as detail
    from fitted
    where
        fitted.is_refit_this_build
        and fitted.fit_sample_fraction = 1
        and fitted.customer_count <> (select count(*) from buyers)

)

select * from problems
