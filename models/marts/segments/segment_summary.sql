{#- For each segment dimension (var segment_dimensions) and value: customers, share of customers,
    net revenue, share of revenue, average predicted CLV, average share of wallet and average
    recency, with the labels. The table a dashboard plots; totals per dimension reconcile to
    customer_features exactly. -#}
with

segments as (

    select * from {{ ref('customer_segments') }}

),

totals as (

    select
        count(*) as all_customers,
        sum(net_revenue) as all_net_revenue
    from segments

),

unpivoted as (

    {{ unpivot_segment_dimensions('segments', {
        'segment_value': "coalesce(cast(@ as " ~ dbt.type_string() ~ "), 'none')",
        'label_en': '@_label_en',
        'label_zh': '@_label_zh',
    }, carry=['customer_id', 'net_revenue', 'predicted_clv', 'share_of_wallet', 'recency_days']) }}

),

final as (

    select
        {{ dbt.concat(['unpivoted.segment_dimension', "'|'", 'unpivoted.segment_value']) }} as segment_summary_id,
        unpivoted.segment_dimension,
        unpivoted.segment_value,
        max(unpivoted.label_en) as label_en,
        max(unpivoted.label_zh) as label_zh,
        count(*) as customers,
        count(*) / cast(max(totals.all_customers) as {{ type_double() }}) as share_of_customers,
        sum(unpivoted.net_revenue) as net_revenue,
        {{ share_of('sum(unpivoted.net_revenue)', 'max(totals.all_net_revenue)') }} as share_of_revenue,
        -- doubles averaged as exact decimals: the result does not depend on row order
        cast(avg(cast(unpivoted.predicted_clv as decimal(38, 10))) as {{ type_double() }}) as avg_predicted_clv,
        cast(avg(cast(unpivoted.share_of_wallet as decimal(38, 12))) as {{ type_double() }}) as avg_share_of_wallet,
        avg(unpivoted.recency_days) as avg_recency_days
    from unpivoted
    cross join totals
    group by unpivoted.segment_dimension, unpivoted.segment_value

)

select * from final
