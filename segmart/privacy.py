"""The key that pseudonymises personal data (PII) before it leaves staging.

`pii_key()` gives the key: the env var SEGMART_PII_SALT when set. `pseudonymous_id(text)` turns
an identifier that is itself personal (an e-mail address used as the customer id) into a stable,
non-reversible id: the first 20 hex digits of SHA-256 over the key and the normalised text.
"""
from __future__ import annotations

import hashlib
import os

DEMO_KEY = "segmart-dev-salt"


def pii_key() -> str:
    return os.environ.get("SEGMART_PII_SALT") or DEMO_KEY


def pseudonymous_id(text: str | None) -> str | None:
    if text is None or not str(text).strip():
        return None
    normalised = str(text).strip().lower()
    return "c_" + hashlib.sha256(f"{pii_key()}|{normalised}".encode()).hexdigest()[:20]
