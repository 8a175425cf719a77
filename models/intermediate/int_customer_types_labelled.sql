{#- The customer type of every customer (个人 / 企业 / 政府客户) with its labels and the action it
    calls for (seed customer_types); customers without attributes are 'unknown'. -#}
with

features as (

    select
        customer_id,
        coalesce(customer_type, 'unknown') as customer_type
    from {{ ref('int_customers_profiled') }}

),

customer_types as (

    select * from {{ ref('customer_types') }}

),

final as (

    select
        features.customer_id,
        features.customer_type,
        customer_types.label_en as customer_type_label_en,
        customer_types.label_zh as customer_type_label_zh,
        customer_types.recommended_action as customer_type_action_en,
        customer_types.recommended_action_zh as customer_type_action_zh
    from features
    left join customer_types
        on features.customer_type = customer_types.customer_type

)

select * from final
