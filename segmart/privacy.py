"""The key that pseudonymises personal data (PII) before it leaves staging.

`pii_key()` gives the key for your own data: the env var SEGMART_PII_SALT when set, otherwise a
random key that segmart creates on first use and keeps outside the repository, readable by its
owner only (`key_file()`: `$SEGMART_HOME/pii_key`, else `~/.config/segmart/pii_key`).
`pii_key(raw_dir)` gives the key a build of that raw folder uses: the public demo key
(`DEMO_KEY`) when the folder holds the generator's demo data and SEGMART_PII_SALT is unset, else
`pii_key()`. The demo key is public on purpose (unit tests and docs quote its hashes); real data
never gets it.

`pseudonymous_id(text)` turns an identifier that is itself personal (an e-mail address used as
the customer id) into a stable, non-reversible id: the first 20 hex digits of SHA-256 over the
key and the normalised text. It is only used on imported (non-demo) data, so it uses `pii_key()`.

The key never goes into SQL text: dbt-duckdb's plugin `segmart.duckdb_plugin` sets it as the
DuckDB variable `segmart_pii_key` on every connection dbt opens, and the macro `hash_pii` reads
it with `getvariable`, so it appears in no compiled SQL, log, run result or warehouse.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from pathlib import Path

DEMO_KEY = "segmart-dev-salt"
KEY_ENV = "SEGMART_PII_SALT"
DUCKDB_VARIABLE = "segmart_pii_key"

log = logging.getLogger(__name__)


def key_file() -> Path:
    home = os.environ.get("SEGMART_HOME")
    if home:
        return Path(home).expanduser() / "pii_key"
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config).expanduser() / "segmart" / "pii_key"


def is_demo_data(raw_dir: Path | str) -> bool:
    """Whether the raw folder holds the demo data `segmart generate` wrote (its manifest says so)."""
    from segmart.layout import MANIFEST_NAME

    path = Path(raw_dir) / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict):
        return False
    return manifest.get("written_by") == "segmart generate" or (
        "written_by" not in manifest and "generator" in manifest
    )


def _stored_key() -> str:
    """The key in key_file(), created (random, mode 0600 in a 0700 folder) when missing."""
    path = key_file()
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
        os.chmod(path.parent, 0o700)  # whatever the umask
    key = secrets.token_hex(32)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    try:
        os.link(temporary, path)  # never overwrite a key another process created meanwhile
    except FileExistsError:
        return path.read_text().strip()
    finally:
        temporary.unlink()
    log.warning(
        "created your PII key in %s (owner-only); keep it: other keys give other hashes. Set SEGMART_PII_SALT "
        "to use your own.",
        path,
    )
    return key


def pii_key(raw_dir: Path | str | None = None) -> str:
    explicit = os.environ.get(KEY_ENV)
    if explicit:
        return explicit
    if raw_dir is not None and is_demo_data(raw_dir):
        return DEMO_KEY
    return _stored_key()


def pseudonymous_id(text: str | None) -> str | None:
    if text is None or not str(text).strip():
        return None
    normalised = str(text).strip().lower()
    return "c_" + hashlib.sha256(f"{pii_key()}|{normalised}".encode()).hexdigest()[:20]
