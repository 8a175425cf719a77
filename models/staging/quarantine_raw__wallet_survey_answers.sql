{{ quarantined_rows(ref('base_raw__wallet_survey'), [
    'response_id', 'customer_id', 'surveyed_at_text', 'category', 'stated_annual_spend_text',
]) }}
