"""The raw layout: the contract between `segmart generate` / `segmart import` and dbt's sources.

Every raw table is one Parquet file `<table>.parquet` in the raw folder (`SEGMART_RAW_DIR`).
Every column is text, as a source system exports it: staging casts, normalises and quarantines.
Keeping raw untyped means a bad value (an amount of "n/a", a date of "2024-13-45") reaches
staging as it was and is quarantined with a reason instead of failing the load.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import yaml

from segmart.errors import SegmartError

T = TypeVar("T")

RAW_COLUMNS: dict[str, list[str]] = {
    "customers": [
        "customer_id",
        "name",
        "phone",
        "email",
        "id_number",
        "gender",
        "birth_date",
        "education",
        "occupation",
        "monthly_income",
        "city",
        "province",
        "customer_type",
        "company_size",
        "industry",
        "signed_up_at",
        "acquisition_channel",
        "lifestyle",
        "personal_values",
        "credit_rating",
    ],
    "orders": [
        "order_id",
        "customer_id",
        "ordered_at",
        "channel",
        "status",
        "currency",
        "gross_amount",
        "discount_amount",
        "refund_amount",
        "cost_amount",
    ],
    "order_items": [
        "order_id",
        "line_number",
        "product_id",
        "category",
        "quantity",
        "unit_price",
    ],
    "wallet_survey": [
        "response_id",
        "customer_id",
        "surveyed_at",
        "category",
        "stated_annual_spend",
    ],
    "customer_events": [
        "event_id",
        "customer_id",
        "occurred_at",
        "event_type",
    ],
}

MANIFEST_NAME = "_manifest.json"
# what segmart writes into a raw folder: one Parquet file per table and the manifest
RAW_FOLDER_FILES = frozenset([MANIFEST_NAME, *(f"{table}.parquet" for table in RAW_COLUMNS)])


def raw_schema(table: str) -> pa.Schema:
    return pa.schema([(name, pa.string()) for name in RAW_COLUMNS[table]])


class ProjectNotFound(SegmartError):
    """segmart runs outside the segmart dbt project (e.g. installed with `pip install .` and
    started in another folder)."""


def _is_project(folder: Path) -> bool:
    project = folder / "dbt_project.yml"
    if not project.is_file():
        return False
    try:
        return (yaml.safe_load(project.read_text(encoding="utf-8")) or {}).get("name") == "segmart"
    except yaml.YAMLError:
        return False


def project_root() -> Path:
    """The dbt project folder (the repo root: dbt_project.yml, seeds/, analyses/): the one place
    segmart (and its tests) find the project from. SEGMART_PROJECT_DIR when set; else the
    checkout this package runs from (`make setup` / `pip install -e .`); else the current folder
    or one of its parents (a `pip install .` started inside a clone)."""
    if os.environ.get("SEGMART_PROJECT_DIR"):
        folder = Path(os.environ["SEGMART_PROJECT_DIR"]).expanduser().resolve()
        if not _is_project(folder):
            raise ProjectNotFound(f"SEGMART_PROJECT_DIR={folder} has no segmart dbt_project.yml")
        return folder
    checkout = Path(__file__).resolve().parent.parent
    if _is_project(checkout):
        return checkout
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if _is_project(folder):
            return folder
    raise ProjectNotFound(
        "this command needs the segmart project (dbt_project.yml, models/, seeds/): run it inside "
        "a clone of the repository, or set SEGMART_PROJECT_DIR to one"
    )


def dbt_vars() -> dict:
    """The vars of dbt_project.yml (the project's defaults, before any --vars)."""
    with open(project_root() / "dbt_project.yml", encoding="utf-8") as handle:
        return (yaml.safe_load(handle) or {}).get("vars") or {}


def segment_dimensions() -> list[str]:
    """The segment dimensions (the dbt var `segment_dimensions`): the customer_segments columns
    that segment_summary summarises and segment_migrations follows, in the var's order."""
    dimensions = dbt_vars().get("segment_dimensions")
    if not isinstance(dimensions, list) or not all(isinstance(d, str) for d in dimensions):
        raise ValueError(f"dbt_project.yml: var segment_dimensions must be a list of column names, not {dimensions!r}")
    return dimensions


def default_raw_dir() -> Path:
    return Path(os.environ.get("SEGMART_RAW_DIR", "data/raw"))


class RawFolderError(SegmartError, ValueError):
    """An output folder segmart must not replace: the message names it."""


def read_manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((Path(folder) / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def is_segmart_raw_folder(folder: Path) -> bool:
    """Written by segmart: its manifest has `written_by`, or is an older manifest of the generator
    (a `generator` key) or of the importer (an `imported` key)."""
    manifest = read_manifest(folder)
    return manifest is not None and any(key in manifest for key in ("written_by", "generator", "imported"))


def check_out_folder(out_dir: Path) -> None:
    """Refuse an output folder that holds anything segmart did not write."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise RawFolderError(f"{out_dir}: --out is a file, not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not is_segmart_raw_folder(out_dir):
        raise RawFolderError(
            f"{out_dir}: folder is not empty and not a raw folder written by segmart "
            f"(no {MANIFEST_NAME} with written_by); choose another --out or empty it"
        )
    if out_dir.is_dir():
        # a raw folder segmart wrote, but with files of yours in it (notes, the export itself):
        # replacing the folder would delete them
        foreign = sorted(entry.name for entry in out_dir.iterdir() if entry.name not in RAW_FOLDER_FILES)
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise RawFolderError(
                f"{out_dir}: holds files segmart did not write ({shown}); move them out or choose another --out"
            )


def write_raw_folder(out_dir: Path, fill: Callable[[Path], T]) -> T:
    """Write a raw folder without ever deleting what segmart did not write.

    `fill(tmp)` writes the files into a new sibling temporary folder; then the old folder (if any)
    is renamed aside, the new one renamed in, and the old one deleted (it was checked to be a raw
    folder segmart wrote, or empty). A failure in `fill` leaves `out_dir` untouched."""
    out_dir = Path(out_dir)
    check_out_folder(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        result = fill(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    check_out_folder(out_dir)  # again: the folder may have changed while fill ran
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        old.rmdir()
        out_dir.rename(old)
    try:
        tmp.rename(out_dir)
    except BaseException:
        if old is not None:
            old.rename(out_dir)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old)
    return result
