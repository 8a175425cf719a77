{{ quarantined_rows(ref('base_raw__orders'), [
    'order_id', 'customer_id', 'ordered_at_text', 'order_status', 'currency_text',
    'gross_amount_text', 'discount_amount_text', 'refund_amount_text', 'cost_amount_text',
]) }}
