"""`segmart build` and `segmart publish`: crash-safe builds and lock-free readers.

A build never writes the warehouse file in place. It copies the current warehouse (so
incremental history carries over) to `<warehouse>.building`, runs `dbt build` against the copy,
and only when every model and test passed replaces the warehouse with it in one atomic rename.
A build that dies (SIGKILL, power loss, a failing test) leaves yesterday's warehouse whole and
consistent; the next build starts again from it. Readers (the DuckDB CLI, dashboards, GX) can
open the warehouse read-only during a build, since the build locks only the copy.

`publish` then writes every mart to `<publish dir>/<mart>.parquet`, each through a temporary file
renamed into place, so a BI tool reading the folder sees the previous file or the new one,
never half of one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from segmart.errors import SegmartError
from segmart.layout import dbt_vars, default_raw_dir, landed_files, project_root
from segmart.rawcheck import RawLayoutError, check_raw

log = logging.getLogger(__name__)

TARGET_PATH_VARS = {
    "dev": ("SEGMART_DUCKDB_PATH", "warehouse.duckdb"),
    "ci": ("SEGMART_CI_DUCKDB_PATH", ".ci-work/ci.duckdb"),
}
PUBLISHED_SCHEMAS = ("marts",)
# raw _manifest.json settings -> the env vars dbt reads them from
MANIFEST_SETTINGS = {
    "reporting_currency": "SEGMART_REPORTING_CURRENCY",
    "business_timezone": "SEGMART_BUSINESS_TIMEZONE",
}


class BuildError(SegmartError, RuntimeError):
    """The build did not happen or failed; the warehouse is unchanged."""

    exit_code = 1


def warehouse_path(target: str) -> Path:
    if target not in TARGET_PATH_VARS:
        raise BuildError(f"target {target!r} has no warehouse file (use dev or ci)")
    variable, default = TARGET_PATH_VARS[target]
    path = Path(os.environ.get(variable, default))
    return path if path.is_absolute() else project_root() / path


def default_publish_dir(target: str) -> Path:
    default = ".ci-work/published" if target == "ci" else "published"
    path = Path(os.environ.get("SEGMART_PUBLISH_DIR", default))
    return path if path.is_absolute() else project_root() / path


def _sidecars(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + ".wal")]


SAMPLE_ROWS = 1000


def _rows_digest(path: Path, start: int, stop: int) -> str:
    """SHA-256 of rows [start, stop) of a Parquet file, reading only the row groups that hold them."""
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    digest, first = hashlib.sha256(), 0
    for group in range(handle.metadata.num_row_groups):
        rows = handle.metadata.row_group(group).num_rows
        if first < stop and first + rows > start:
            table = handle.read_row_group(group)
            part = table.slice(max(start - first, 0), min(stop, first + rows) - max(start, first))
            digest.update(repr(part.to_pylist()).encode("utf-8"))
        first += rows
    return digest.hexdigest()


def _landed_entry(path: Path, before: dict | None = None) -> dict:
    """A landed file's size, modification time (ns), SHA-256 and rows. A file of the same size
    and modification time as `before` (the last build's entry) is taken as unchanged and not read."""
    import pyarrow.parquet as pq

    stat = path.stat()
    if before and before.get("size") == stat.st_size and before.get("mtime_ns") == stat.st_mtime_ns:
        return before
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return {
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "sha256": digest,
        "rows": pq.read_metadata(path).num_rows,
    }


def raw_fingerprint(folder: Path, previous: dict | None = None) -> dict:
    """Per raw table: a file's row count and digests of its first and last SAMPLE_ROWS rows; a
    folder of landed files (`<table>/*.parquet`), each file's entry (_landed_entry; files
    unchanged since `previous`, the last build's fingerprint, are not read)."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    fingerprint = {}
    for path in sorted(folder.glob("*.parquet")):
        rows = pq.read_metadata(path).num_rows
        fingerprint[path.stem] = {
            "rows": rows,
            "head": _rows_digest(path, 0, min(SAMPLE_ROWS, rows)),
            "tail": _rows_digest(path, max(rows - SAMPLE_ROWS, 0), rows),
        }
    for table in sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        files = landed_files(folder, table)
        if files:
            before = ((previous or {}).get(table) or {}).get("files") or {}
            fingerprint[table] = {"files": {p.name: _landed_entry(p, before.get(p.name)) for p in files}}
    return fingerprint


def unchanged_landed_rows(folder: Path, previous: dict | None) -> dict[str, int]:
    """Path → rows of the landed files whose size and modification time are the last build's
    (check_raw does not read them again)."""
    known = {}
    for table, before in (previous or {}).items():
        for name, entry in (before.get("files") or {}).items():
            path = Path(folder) / table / name
            try:
                stat = path.stat()
            except OSError:
                continue
            if entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns:
                known[str(path)] = entry["rows"]
    return known


def project_digest() -> str:
    """A digest of what shapes the warehouse's tables: the models, macros, seeds and
    dbt_project.yml. When it differs from the last build's, incremental tables may hold columns
    or rows the new code would not write, so the next build refreshes in full."""
    root = project_root()
    digest = hashlib.sha256()
    files = [root / "dbt_project.yml"] + sorted(
        path for folder in ("models", "macros", "seeds") for path in (root / folder).rglob("*") if path.is_file()
    )
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_append_of(folder: Path, previous: dict | None) -> bool:
    """Whether the raw files look like the previously built ones with rows appended: as many rows
    or more, the same first rows, and the same rows where the previous files ended. A table
    landed as a folder of files: every previously built file still there and unchanged (its
    SHA-256, read only when its size or modification time moved), the new files sorting after
    them. A new generated dataset, a rewritten export, a changed or removed landed file, a new
    file sorting before the built ones, or a table switched between one file and a folder fails
    this, and needs a full refresh (the incremental models trust raw_row_number)."""
    if not previous:
        return False
    import pyarrow.parquet as pq

    for table, before in previous.items():
        if "files" in before:
            files = {p.name: p for p in landed_files(folder, table)}
            built = before["files"]
            if any(
                name not in files or _landed_entry(files[name], entry)["sha256"] != entry["sha256"]
                for name, entry in built.items()
            ):
                return False
            if any(name < max(built) for name in files if name not in built):
                return False
            continue
        path = Path(folder) / f"{table}.parquet"
        if not path.exists():
            return False
        rows = pq.read_metadata(path).num_rows
        if rows < before["rows"] or _rows_digest(path, 0, min(SAMPLE_ROWS, before["rows"])) != before["head"]:
            return False
        if _rows_digest(path, max(before["rows"] - SAMPLE_ROWS, 0), before["rows"]) != before["tail"]:
            return False
    return True


def sources_are_tables(dbt_args: list[str] | None = None) -> bool:
    """Whether dbt reads the raw data from tables in a warehouse instead of the raw files: the dbt
    var `segmart_raw_schema` is set, in `--vars` among the dbt arguments or in dbt_project.yml
    (README "Use your own tables")."""
    import yaml

    args = list(dbt_args or [])
    for position, arg in enumerate(args):
        text = (
            args[position + 1]
            if arg == "--vars" and position + 1 < len(args)
            else (arg.split("=", 1)[1] if arg.startswith("--vars=") else None)
        )
        if text is not None:
            values = yaml.safe_load(text) or {}
            if isinstance(values, dict) and "segmart_raw_schema" in values:
                return values["segmart_raw_schema"] not in (None, "")
    return dbt_vars().get("segmart_raw_schema") not in (None, "")


def _manifest_settings(raw: Path) -> dict[str, str]:
    """Env vars for dbt from the raw folder's `_manifest.json` `settings`, for the
    ones the user has not set."""
    import json

    from segmart.layout import MANIFEST_NAME

    try:
        manifest = json.loads((raw / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return {}
    settings = manifest.get("settings") if isinstance(manifest, dict) else None
    if not isinstance(settings, dict):
        return {}
    return {
        variable: str(settings[key])
        for key, variable in MANIFEST_SETTINGS.items()
        if settings.get(key) and not os.environ.get(variable)
    }


def _backup_path(final: Path) -> Path:
    """`warehouse.2026-11-30T171200.duckdb` beside `warehouse.duckdb` (never an existing file)."""
    import datetime as dt

    stamp = dt.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    stem, suffix = (final.name[: -len(final.suffix)], final.suffix) if final.suffix else (final.name, "")
    candidate, number = final.with_name(f"{stem}.{stamp}{suffix}"), 1
    while candidate.exists():
        number += 1
        candidate = final.with_name(f"{stem}.{stamp}-{number}{suffix}")
    return candidate


def _target_path(dbt_args: list[str], env: dict) -> Path:
    """Where this dbt run writes run_results.json and manifest.json."""
    path = None
    for index, argument in enumerate(dbt_args):
        if argument == "--target-path" and index + 1 < len(dbt_args):
            path = dbt_args[index + 1]
        elif argument.startswith("--target-path="):
            path = argument.split("=", 1)[1]
    path = Path(path or env.get("DBT_TARGET_PATH") or "target")
    return path if path.is_absolute() else project_root() / path


STORAGE_VERSION_VAR = "SEGMART_DUCKDB_STORAGE_VERSION"  # profiles.yml: storage_compatibility_version
DEFAULT_STORAGE_VERSION = "v1.4.0"


DAILY_SELECTOR = "daily"
SELECTION_FLAGS = ("--select", "-s", "--exclude", "--selector", "--models", "-m")


def _selects(dbt_args: list[str]) -> bool:
    """Whether the user's dbt arguments choose the nodes themselves."""
    return any(a in SELECTION_FLAGS or a.split("=", 1)[0] in SELECTION_FLAGS for a in dbt_args)


def _quoted(value: object) -> str:
    return str(value).replace("'", "''")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def storage_version(database: Path) -> str:
    """The DuckDB storage format a database file is written in, e.g. 'v1.4.0+' or 'v2.0.0+'."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{_quoted(database)}' as checked (read_only)")
        tags = con.execute("select tags from duckdb_databases() where database_name = 'checked'").fetchone()[0]
        return tags.get("storage_version", "")
    finally:
        con.close()


def _carry_over(final: Path, work: Path) -> None:
    """Copy the warehouse to the build's working file. A warehouse written in a newer storage
    format than the profile asks for (built before segmart set it, or with "latest") is rewritten
    in the requested format, table by table (COPY FROM DATABASE), so DuckDB 1.x readers open it."""
    wanted = os.environ.get(STORAGE_VERSION_VAR, DEFAULT_STORAGE_VERSION)
    current = storage_version(final)
    if wanted == "latest" or not current or _version_key(current) <= _version_key(wanted):
        shutil.copyfile(final, work)
        return
    log.warning(
        "%s is in DuckDB's %s storage format, which BI tools on DuckDB 1.x cannot open: rewriting it as %s "
        "(%s=latest keeps the newer format)",
        final,
        current.rstrip("+"),
        wanted,
        STORAGE_VERSION_VAR,
    )
    con = duckdb.connect()
    try:
        con.execute(f"attach '{_quoted(final)}' as carried (read_only)")
        con.execute(f"attach '{_quoted(work)}' as rewritten (storage_version '{_quoted(wanted)}')")
        con.execute("copy from database carried to rewritten")
    finally:
        con.close()


def build(
    target: str = "dev",
    dbt_args: list[str] | None = None,
    publish_dir: Path | None = None,
    publish_marts: bool = True,
    sources_from_tables: bool | None = None,
) -> Path:
    """sources_from_tables: the raw data are tables in a warehouse (None: sources_are_tables()).
    Then there is no raw folder to check or fingerprint, and the build refreshes in full: whether
    a table only had rows appended cannot be told from file digests (DECISIONLOG.md "Tables
    already in a warehouse")."""
    import json

    final = warehouse_path(target)
    fingerprint_file = final.with_name(final.name + ".raw.json")
    dbt_args = list(dbt_args or [])
    tables = sources_are_tables(dbt_args) if sources_from_tables is None else sources_from_tables
    raw = fingerprint = backup = None
    # a full refresh segmart decides on by itself rebuilds the tables, not the model fits: those
    # follow their schedule (dbt macro refit_on_full_refresh); one the user asks for refits
    implicit_full_refresh = False
    if final.exists() and final.with_name(final.name + ".wal").exists():
        # fold a leftover write-ahead log into the file before copying or keeping it
        duckdb.connect(str(final)).close()
    if tables:
        fingerprint_file.unlink(missing_ok=True)  # a later build from files must not trust it
        if "--full-refresh" not in dbt_args:
            log.info("the raw data are tables: full refresh (customer_segment_history and the model fits are kept)")
            dbt_args.append("--full-refresh")
            implicit_full_refresh = True
    else:
        raw = default_raw_dir()
        raw = raw if raw.is_absolute() else project_root() / raw
        previous = json.loads(fingerprint_file.read_text()) if fingerprint_file.exists() and final.exists() else None
        try:
            # landed files unchanged since the last build are not read again
            check_raw(raw, unchanged_landed_rows(raw, previous))
        except RawLayoutError as exc:
            raise BuildError(str(exc)) from None
        fingerprint = raw_fingerprint(raw, previous)
        log.debug("raw folder %s: %s", raw, fingerprint)
        # A new dataset (not the last build's raw data with rows appended) starts a new warehouse:
        # its history must not mix with the old dataset's. The old warehouse is kept beside it.
        backup = _backup_path(final) if final.exists() and not is_append_of(raw, previous) else None
        if backup is not None:
            log.warning(
                "%s is not the last build's raw data with rows appended: a new dataset, so a new warehouse "
                "and a new customer_segment_history; once it succeeds the previous warehouse is kept as %s",
                raw,
                backup,
            )
    project_file = final.with_name(final.name + ".project.json")
    digest = project_digest()
    if final.exists() and backup is None and "--full-refresh" not in dbt_args:
        previous_digest = json.loads(project_file.read_text()).get("digest") if project_file.exists() else None
        if previous_digest != digest:
            log.info(
                "the models changed since this warehouse was last built: full refresh "
                "(customer_segment_history and the model fits are kept)"
            )
            dbt_args.append("--full-refresh")
            implicit_full_refresh = True
    if final.exists() and backup is None and "--full-refresh" not in dbt_args and not _selects(dbt_args):
        # only rows were added and the project is unchanged: the daily selection (selectors.yml)
        log.info("an incremental build: selector %s (selectors.yml)", DAILY_SELECTOR)
        dbt_args += ["--selector", DAILY_SELECTOR]
    work = final.with_name(final.name + ".building")
    for stale in _sidecars(work):
        stale.unlink(missing_ok=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists() and backup is None:
        _carry_over(final, work)  # incremental models and history carry over
    variable = TARGET_PATH_VARS[target][0]
    settings = _manifest_settings(raw) if raw is not None else {}
    if settings:
        log.info(
            "from the raw folder's _manifest.json: %s", ", ".join(f"{name}={value}" for name, value in settings.items())
        )
    env = {
        **os.environ,
        **settings,
        variable: str(work),
        "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(project_root())),
    }
    if implicit_full_refresh:
        env["SEGMART_IMPLICIT_FULL_REFRESH"] = "1"
    else:
        env.pop("SEGMART_IMPLICIT_FULL_REFRESH", None)
    from segmart.privacy import pii_key

    pii_key(raw)  # creates (and says where) your own key before dbt runs, on data that is not the demo
    dbt = Path(sys.executable).with_name("dbt")
    # dbt's own progress lines follow segmart's: none with -q (dbt --quiet keeps its errors)
    quiet = [] if log.isEnabledFor(logging.INFO) else ["--quiet"]
    command = [str(dbt) if dbt.exists() else "dbt", *quiet, "build", "--target", target, *dbt_args]
    log.debug("running %s in %s with %s=%s", " ".join(command), project_root(), variable, work)
    run_results = _target_path(dbt_args, env) / "run_results.json"
    run_results.unlink(missing_ok=True)  # never report on an older run
    result = subprocess.run(command, check=False, cwd=project_root(), env=env)
    if result.returncode != 0:
        failures = report_lines(work, run_results.parent, only_failures=True)
        if failures:
            log.error(
                "what failed, with the figures measured on %s:\n%s", work, "\n".join(f"  {line}" for line in failures)
            )
        raise BuildError(
            f"dbt build failed (exit {result.returncode}); {final} is unchanged, the failed build is in {work}"
        )
    duckdb.connect(str(work)).close()  # checkpoint: everything in the main file, no WAL left
    warnings = report_lines(work, run_results.parent, only_failures=False)
    if backup is not None:
        try:
            os.link(final, backup)  # the old file under its dated name, then the swap: no gap
        except OSError:
            shutil.copyfile(final, backup)
    os.replace(work, final)
    if fingerprint is not None:
        fingerprint_file.write_text(json.dumps(fingerprint, indent=1))
    project_file.write_text(json.dumps({"digest": digest}))
    if warnings:
        log.warning(
            "%d warning(s), with the figures measured:\n%s", len(warnings), "\n".join(f"  {line}" for line in warnings)
        )
    _show_freshness(target, {**env, variable: str(final)}, dbt_args)
    if publish_marts:
        out = publish_dir or default_publish_dir(target)
        written = publish(final, out)
        log.info("published %d marts to %s", len(written), out)
    return final


def freshness_line(result: dict) -> str:
    """One line on the orders' freshness from a result of dbt's sources.json."""
    import datetime as dt

    newest = result.get("max_loaded_at")
    if not newest:
        return "orders freshness: no staged order"
    when = dt.datetime.fromisoformat(newest).astimezone(dt.UTC)
    days = result["max_loaded_at_time_ago_in_s"] / 86400
    criteria = result.get("criteria") or {}
    limits = ", ".join(
        f"{name.split('_')[0]} after {criteria[name]['count']} {criteria[name]['period']}s"
        for name in ("warn_after", "error_after")
        if (criteria.get(name) or {}).get("count") is not None
    )
    status = {"pass": "fresh", "warn": "stale (warn)", "error": "stale (error)"}.get(result["status"], result["status"])
    return (
        f"orders freshness: the newest order is from {when:%Y-%m-%d %H:%M} UTC, {days:.1f} days ago: {status}"
        f" ({limits}; vars orders_freshness_warn_after_days, orders_freshness_error_after_days)"
    )


def _show_freshness(target: str, env: dict, dbt_args: list[str]) -> None:
    """dbt source freshness on the orders after a build: shown, never failing the build."""
    import json

    dbt = Path(sys.executable).with_name("dbt")
    output = _target_path(dbt_args, env) / "sources.json"
    output.unlink(missing_ok=True)
    command = [str(dbt) if dbt.exists() else "dbt", "--quiet", "source", "freshness", "--target", target]
    command += ["--select", "source:raw.orders", "--output", str(output), *_passthrough(dbt_args)]
    subprocess.run(command, check=False, cwd=project_root(), env=env, capture_output=True)
    try:
        results = json.loads(output.read_text())["results"]
    except (OSError, ValueError, KeyError):
        log.warning("orders freshness: dbt source freshness wrote no result (run it to see why)")
        return
    for result in results:
        line = freshness_line(result)
        (log.info if result.get("status") == "pass" else log.warning)("%s", line)


def _passthrough(dbt_args: list[str]) -> list[str]:
    """The user's --vars and --target-path, for a follow-up dbt command on the same build."""
    kept: list[str] = []
    for index, argument in enumerate(dbt_args):
        if argument in ("--vars", "--target-path") and index + 1 < len(dbt_args):
            kept += [argument, dbt_args[index + 1]]
        elif argument.startswith(("--vars=", "--target-path=")):
            kept.append(argument)
    return kept


def _figures(row: dict) -> str:
    import decimal

    def show(value) -> str:
        if isinstance(value, (float, decimal.Decimal)):
            value = float(value)
            return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.4g}"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return str(value)

    return ", ".join(f"{name}={show(value)}" for name, value in row.items())


def _quarantine_reasons(con, model_relation: str, top: int = 5) -> str:
    rows = con.execute(
        f"select rejection_reason, count(*) as rows_, min(raw_row_number) as example "
        f"from {model_relation} where rejection_reason is not null "
        f"group by 1 order by 2 desc, 1 limit {top}"
    ).fetchall()
    return (
        "; top reasons: " + ", ".join(f"{reason} {count:,} (e.g. raw row {example})" for reason, count, example in rows)
        if rows
        else ""
    )


def _error_summary(message: list[str]) -> str:
    """dbt's error message in one line: its first line ("Runtime Error in model X (path)") and
    the cause under it (the last later line naming an error, else the last line), e.g. a Python
    model's exception or DuckDB's "Binder Error: ..."."""
    lines = [line.strip() for line in message if line.strip()]
    if not lines:
        return "failed"
    head = lines[0].rstrip(":")
    rest = lines[1:]
    cause = next(
        (line for line in reversed(rest) if re.search(r"Error\b|Exception\b|failed", line)), rest[-1] if rest else ""
    )
    return f"{head}: {cause}" if cause else head


def report_lines(database: Path, target_dir: Path, only_failures: bool) -> list[str]:
    """One readable line per failed, erroring (and, unless only_failures, warned) test or model of
    the last dbt run, with the figure the test measured: its compiled query is run again on the
    built copy, read-only, and the first row's values are shown (a monitor selects its rate;
    a row-level test shows its first offending row and the count). Quarantine-rate tests add the
    top rejection reasons with counts and an example raw row number."""
    import json

    try:
        results = json.loads((target_dir / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []
    try:
        nodes = json.loads((target_dir / "manifest.json").read_text()).get("nodes", {})
    except (OSError, ValueError):
        nodes = {}
    statuses = {"fail": "FAIL", "error": "ERROR"} if only_failures else {"warn": "WARN"}
    picked = [r for r in results if r.get("status") in statuses]
    if not picked or not database.exists():
        return []
    lines = []
    con = duckdb.connect(str(database), read_only=True)
    try:
        catalog = con.execute("select current_database()").fetchone()[0]
        for result in picked:
            unique_id = result.get("unique_id", "")
            node = nodes.get(unique_id, {})
            kind, _, name = unique_id.partition(".")
            name = node.get("name") or unique_id.rsplit(".", 1)[-1]
            label = f"{statuses[result['status']]:5} {name}"
            if kind != "test" or result["status"] == "error":
                message = re.sub(r"\x1b\[[0-9;]*m", "", result.get("message") or "").strip().splitlines()
                lines.append(f"{label}: {_error_summary(message)}")
                continue
            detail = f"{result.get('failures') or 0:,} failing rows"
            try:
                sql = (result.get("compiled_code") or "").replace(f'"{_dbt_catalog(nodes, node)}".', f'"{catalog}".')
                cursor = con.execute(f"select * from ({sql}) as failing limit 1")
                columns = [c[0] for c in cursor.description]
                row = cursor.fetchone()
                if row is not None:
                    figures = _figures(dict(zip(columns, row)))
                    count = result.get("failures") or 0
                    detail = figures if count <= 1 else f"{count:,} failing rows, first: {figures}"
                if "quarantine_rate" in name:
                    for parent in node.get("depends_on", {}).get("nodes", []):
                        relation = nodes.get(parent, {}).get("relation_name")
                        if relation:
                            detail += _quarantine_reasons(
                                con, relation.replace(f'"{_dbt_catalog(nodes, node)}".', f'"{catalog}".')
                            )
            except duckdb.Error as exc:
                detail += f" (figure not available: {str(exc).splitlines()[0]})"
            lines.append(f"{label}: {detail}")
    finally:
        con.close()
    return lines


def _dbt_catalog(nodes: dict, node: dict) -> str:
    """The catalog name dbt gave the database (the file name without its last suffix)."""
    return node.get("database") or next((n.get("database") for n in nodes.values() if n.get("database")), "")


def publish(warehouse: Path, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (" + ", ".join("?" for _ in PUBLISHED_SCHEMAS) + ") "
            "and table_type = 'BASE TABLE' order by table_name",
            list(PUBLISHED_SCHEMAS),
        ).fetchall()
        written = []
        for schema, table in tables:
            final = out_dir / f"{table}.parquet"
            temporary = out_dir / f".{table}.parquet.tmp"
            con.execute(
                f'copy (select * from "{schema}"."{table}") to \'{temporary}\' (format parquet, compression zstd)'
            )
            os.replace(temporary, final)
            written.append(final)
        return written
    finally:
        con.close()
