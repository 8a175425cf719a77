"""Column mappings of well-known shop exports for `segmart import --preset NAME`.

A preset is data: the same keys as the import options (see `segmart.importer.Mapping`). Options
given on the command line override a preset's values.
"""

from __future__ import annotations

PRESETS: dict[str, dict] = {
    # UCI Machine Learning Repository "Online Retail" (a UK gift shop, 2010-2011): one row per
    # invoice line; cancellations are invoices "C..." with negative quantities; CustomerID is a
    # float text ("17850.0") and blank for guests; InvoiceDate is month-first ("12/1/2010 8:26").
    # Description is a product name, not a category, and Country is not used.
    "online-retail": {
        "order_id_col": "InvoiceNo",
        "customer_col": "CustomerID",
        "date_col": "InvoiceDate",
        "date_format": "%m/%d/%Y %H:%M",
        "quantity_col": "Quantity",
        "unit_price_col": "UnitPrice",
        "product_col": "StockCode",
        "currency": "GBP",
        "timezone": "Europe/London",
        "cancelled_prefix": "C",
    },
    # Shopify's order export: one row per line item; order-level fields (Email, Created at,
    # Currency, Subtotal, Discount Amount, Refunded Amount, Billing City, ...) on an order's first
    # row only. The customer is identified by e-mail (pseudonymised into customer_id); times carry
    # their UTC offset ("2024-01-05 14:03:22 -0500"). Refunds are linked to their order.
    "shopify": {
        "order_id_col": "Name",
        "email_col": "Email",
        "date_col": "Created at",
        "date_format": "%Y-%m-%d %H:%M:%S %z",
        "quantity_col": "Lineitem quantity",
        "unit_price_col": "Lineitem price",
        "product_col": "Lineitem sku",
        "currency_col": "Currency",
        "discount_col": "Discount Amount",
        "refund_col": "Refunded Amount",
        "city_col": "Billing City",
        "order_fields_on_first_row": True,
    },
}
