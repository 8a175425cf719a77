{{ quarantined_rows(ref('base_raw__customer_events'), [
    'event_id', 'customer_id', 'occurred_at_text', 'event_type',
]) }}
