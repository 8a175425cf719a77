"""The raw layout: the contract between `segmart generate` / `segmart import` and dbt's sources.

Every raw table is one Parquet file `<table>.parquet` in the raw folder (`SEGMART_RAW_DIR`), or
a folder of files `<table>/*.parquet` landed one by one (a landing zone: one file per export,
e.g. `orders/2026-11-30.parquet`), read in file-name order; names starting with `.` or `_` are
not data (temporary files, `_SUCCESS` markers). DECISIONLOG.md "Raw exports land as new files".
Every column is text, as a source system exports it: staging casts, normalises and quarantines.
Keeping raw untyped means a bad value (an amount of "n/a", a date of "2024-13-45") reaches
staging as it was and is quarantined with a reason instead of failing the load.
"""

from __future__ import annotations

import json
import logging
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

log = logging.getLogger(__name__)

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


def is_data_file_name(name: str) -> bool:
    """A landed data file: `*.parquet`, not hidden (`.`) nor a marker (`_`), as Spark reads folders."""
    return name.endswith(".parquet") and not name.startswith((".", "_"))


def landed_files(raw: Path, table: str) -> list[Path]:
    """The data files of a raw table landed as a folder, `<raw>/<table>/*.parquet`, in name order
    (the order dbt reads them in); empty when the table has no folder."""
    folder = Path(raw) / table
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file() and is_data_file_name(p.name)), key=lambda p: p.name)


def raw_table_files(raw: Path, table: str) -> list[Path]:
    """The files of a raw table in read order: its folder's landed files, else `<table>.parquet`
    (listed even when it does not exist)."""
    return landed_files(raw, table) or [Path(raw) / f"{table}.parquet"]


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
    landing = [table for table in RAW_COLUMNS if (out_dir / table).is_dir()] if out_dir.is_dir() else []
    if landing:
        raise RawFolderError(
            f"{out_dir}: holds landed files ({', '.join(t + '/' for t in landing)}); writing the whole raw folder "
            "would replace them: land this export as new files (--landing) or choose another --out"
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


def landing_file_name(name: str) -> str:
    """`<name>.parquet` for a landed export (`2026-11-30` or `2026-11-30.parquet`); refuses a name
    that is a path, hidden or a marker."""
    stem = name[: -len(".parquet")] if name.endswith(".parquet") else name
    if not stem or "/" in stem or "\\" in stem or not is_data_file_name(stem + ".parquet") or stem in (".", ".."):
        raise RawFolderError(
            f"{name!r}: not a name for a landed file (a plain file name, not starting with . or _; e.g. 2026-11-30)"
        )
    return stem + ".parquet"


def check_landing(out_dir: Path, file_name: str, tables: list[str] | None = None) -> None:
    """Refuse a landing that would replace a file or land before landed ones: one line naming the
    file. `tables`: the tables to land (None: every table; a table that is one file here is then
    not checked, it is only refused when written)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise RawFolderError(f"{out_dir}: --out is a file, not a folder")
    for table in RAW_COLUMNS if tables is None else tables:
        single = out_dir / f"{table}.parquet"
        if tables is not None and single.exists():
            raise RawFolderError(
                f"{single}: raw table {table} is one file here, and landed files go to {out_dir / table}/: move it "
                f"there first, named to sort before the new files (e.g. {table}/0000-00-00.parquet)"
            )
        target = out_dir / table / file_name
        if target.exists():
            raise RawFolderError(
                f"{target}: landed already; a landed file is never replaced (land this export under another name)"
            )
        later = [p for p in landed_files(out_dir, table) if p.name > file_name]
        if later:
            raise RawFolderError(
                f"{target}: would sort before {later[-1]}, landed already; files are read in name order, so a new "
                "file must sort after the others (name them by date, e.g. 2026-11-30)"
            )


def land_raw_folder(out_dir: Path, name: str, fill: Callable[[Path], T]) -> T:
    """Land an export as new files beside the earlier ones, never replacing one.

    `fill(tmp)` writes the export as a raw folder (`<table>.parquet` and the manifest) into a new
    sibling temporary folder, as for write_raw_folder; then each table's file is linked in as
    `<out>/<table>/<name>.parquet` (a table without rows is left out when the raw folder already
    has it). The manifest is written when the raw folder has none; otherwise the export's
    settings (currency, time zone) must be the folder's. Every target is checked before the first
    is linked, and a link never replaces a file: a refused landing leaves `out_dir` as it was."""
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    file_name = landing_file_name(name)
    check_landing(out_dir, file_name)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.landing-", dir=out_dir.parent))
    try:
        result = fill(tmp)
        tables = [
            table
            for table in RAW_COLUMNS
            if pq.read_metadata(tmp / f"{table}.parquet").num_rows
            or not (landed_files(out_dir, table) or (out_dir / f"{table}.parquet").exists())
        ]
        check_landing(out_dir, file_name, tables)
        _check_manifest_settings(out_dir, tmp)
        landed = []
        for table in tables:
            (out_dir / table).mkdir(exist_ok=True)
            target = out_dir / table / file_name
            try:
                os.link(tmp / f"{table}.parquet", target)  # fails rather than replace a file
            except FileExistsError:
                raise RawFolderError(f"{target}: landed already; a landed file is never replaced") from None
            except OSError:  # no hard links here: a copy, checked just before
                if target.exists():
                    raise RawFolderError(f"{target}: landed already; a landed file is never replaced") from None
                shutil.copyfile(tmp / f"{table}.parquet", target)
            landed.append(target)
        if not (out_dir / MANIFEST_NAME).exists():
            os.replace(tmp / MANIFEST_NAME, out_dir / MANIFEST_NAME)
        log.info("landed %s", ", ".join(str(path) for path in landed))
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _check_manifest_settings(out_dir: Path, tmp: Path) -> None:
    """The export is written by the command that wrote the raw folder (generated demo data and
    your own never mix: the demo's public PII key would hash yours) and has its settings
    (reporting currency, business time zone)."""
    folder, export = read_manifest(out_dir), read_manifest(tmp)
    if folder and folder.get("written_by") and folder.get("written_by") != (export or {}).get("written_by"):
        raise RawFolderError(
            f"{out_dir / MANIFEST_NAME}: this raw folder holds data of {folder['written_by']}; land the output of "
            f"{(export or {}).get('written_by')} into another raw folder"
        )
    before, now = (folder or {}).get("settings") or {}, (export or {}).get("settings") or {}
    different = [key for key in sorted(set(before) & set(now)) if before[key] != now[key]]
    if different:
        key = different[0]
        raise RawFolderError(
            f"{out_dir / MANIFEST_NAME}: the raw folder's {key} is {before[key]}, this export's {now[key]}; "
            "land exports of one currency and time zone into one raw folder"
        )
