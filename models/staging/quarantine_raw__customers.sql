{{ quarantined_rows(ref('base_raw__customers'), [
    'customer_id', 'signed_up_at_text', 'birth_date_text', 'monthly_income_text', 'city_text',
    'customer_type', 'name_hash', 'phone_hash', 'email_hash', 'id_number_hash',
]) }}
