{#- Spark: the segmart step's tables belong to this build. They are written by `segmart build`
    between dbt's two runs; a plain `dbt build` afterwards on new data would read tables fitted
    for another as-of date or other customers. One row per problem: the parameters' as-of date
    is not the build's, a buyer has no prediction or a prediction has no buyer, or the fit on
    every buyer counted another number of them. Off where the Python models fit (DuckDB, Databricks). -#}
{{ config(enabled=target.type not in ['duckdb', 'databricks']) }}

with

fitted as (

    select * from {{ ref('int_clv_parameters_fitted') }}

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

    select 'fitted as of another date' as problem, cast(fitted.as_of_date as {{ dbt.type_string() }}) as detail
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
        fitted.fit_sample_fraction = 1
        and fitted.customer_count <> (select count(*) from buyers)

)

select * from problems
