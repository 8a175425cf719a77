with

base as (

    select * from {{ ref('base_raw__customers') }}
    where rejection_reason is null

),

final as (

    select
        customer_id,
        name_hash,
        phone_hash,
        email_hash,
        id_number_hash,
        gender,
        birth_date,
        education,
        occupation,
        monthly_income,
        city,
        province,
        customer_type,
        company_size,
        industry,
        signed_up_at,
        {{ local_date('signed_up_at') }} as signed_up_date,
        acquisition_channel,
        lifestyle,
        personal_values,
        credit_rating
    from base

)

select * from final
