{#- The RFM segment of every customer (models/overview.md, 'RFM'): the scores' cell mapped to a
    segment by the seed rfm_cell_segments, with labels and actions from the seed rfm_segments;
    customers who have not ordered are 'prospect'. -#}
with

customers as (

    select customer_id from {{ ref('int_customers_profiled') }}

),

rfm as (

    select * from {{ ref('int_customer_rfm_scored') }}

),

rfm_cells as (

    select * from {{ ref('rfm_cell_segments') }}

),

rfm_segments as (

    select * from {{ ref('rfm_segments') }}

),

final as (

    select
        customers.customer_id,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm_cells.rfm_cell,
        rfm_segments.rfm_segment,
        rfm_segments.label_en as rfm_segment_label_en,
        rfm_segments.label_zh as rfm_segment_label_zh,
        rfm_segments.recommended_action as rfm_segment_action_en,
        rfm_segments.recommended_action_zh as rfm_segment_action_zh
    from customers
    left join rfm
        on customers.customer_id = rfm.customer_id
    left join rfm_cells
        on
            rfm.r_score = rfm_cells.r_score
            and rfm.f_score = rfm_cells.f_score
            and rfm.m_score = rfm_cells.m_score
    left join rfm_segments
        on coalesce(rfm_cells.rfm_segment, 'prospect') = rfm_segments.rfm_segment

)

select * from final
