{{ quarantined_rows(ref('base_raw__order_items'), [
    'order_id', 'line_number_text', 'product_id', 'category', 'quantity_text', 'unit_price_text',
]) }}
