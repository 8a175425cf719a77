"""dbt-duckdb plugin (profiles.yml `plugins`): puts the PII key on every DuckDB connection dbt
opens as the variable `segmart_pii_key`, read by the macro `hash_pii` with `getvariable`.

The key is set through the DuckDB Python API, not through dbt, so it is in no compiled SQL, no
dbt log and no run result; variables live in the connection only, never in the database file.
Which key: `segmart.privacy.pii_key(raw folder)` (the demo key on the generator's demo data).
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from segmart.layout import default_raw_dir
from segmart.privacy import DUCKDB_VARIABLE, pii_key


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._key = pii_key(default_raw_dir())

    def _set_key(self, conn) -> None:
        conn.execute(f"set variable {DUCKDB_VARIABLE} = $key", {"key": self._key})

    def configure_connection(self, conn) -> None:
        self._set_key(conn)

    def configure_cursor(self, cursor) -> None:
        self._set_key(cursor)
