"""dbt-duckdb plugin (profiles.yml `plugins`): puts the PII key on every DuckDB connection dbt
opens as the variable `segmart_pii_key`, read by the macro `hash_pii` with `getvariable`; and
registers the function `segmart_file_sha256(path)`, the SHA-256 of a file read in 1 MiB pieces,
with which base_raw__files fingerprints landed files (DuckDB's sha256 of read_blob's content
holds the whole file in memory: a 2 GB landed file at 100M orders ran out of memory).

The key is set through the DuckDB Python API, not through dbt, so it is in no compiled SQL, no
dbt log and no run result; variables live in the connection only, never in the database file.
Which key: `segmart.privacy.pii_key(raw folder)` (the demo key on the generator's demo data).
"""

from __future__ import annotations

import hashlib
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from segmart.layout import default_raw_dir
from segmart.privacy import DUCKDB_VARIABLE, pii_key

FILE_DIGEST_FUNCTION = "segmart_file_sha256"


def file_sha256(path: str) -> str:
    """The SHA-256 of the file at path as lower-case hex (what DuckDB's sha256 gives of its
    bytes), reading 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def register_file_digest(conn) -> None:
    """segmart_file_sha256(varchar) -> varchar on the connection (once per database instance)."""
    from duckdb import sqltypes

    try:
        conn.create_function(FILE_DIGEST_FUNCTION, file_sha256, [sqltypes.VARCHAR], sqltypes.VARCHAR)
    except Exception as exc:  # a cursor of a connection that has it already
        if "already" not in str(exc).lower():
            raise


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._key = pii_key(default_raw_dir())

    def _set_key(self, conn) -> None:
        conn.execute(f"set variable {DUCKDB_VARIABLE} = $key", {"key": self._key})

    def configure_connection(self, conn) -> None:
        self._set_key(conn)
        register_file_digest(conn)

    def configure_cursor(self, cursor) -> None:
        self._set_key(cursor)
        register_file_digest(cursor)
