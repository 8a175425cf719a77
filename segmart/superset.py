"""`segmart bi`: Apache Superset on the published marts, with segmart's dashboards.

Superset's dependencies conflict with segmart's, so it gets a venv of its own (pinned by
bi/superset/requirements.lock) under the work folder (default .superset/, env SEGMART_SUPERSET_HOME).
Its metadata database (SQLite), its secret key and the admin password live in that folder too:
the key and the password come from SUPERSET_SECRET_KEY and SEGMART_SUPERSET_ADMIN_PASSWORD, or are
generated there once (readable by you only), never committed.

Superset reads the published Parquet marts (`segmart publish`, `segmart build` writes them)
through duckdb-engine and an in-memory DuckDB whose file_search_path is the published folder: it
never holds a lock on the warehouse file while dbt writes it, and it does not depend on the
warehouse's storage format. The dashboards are shipped as code in Superset's export format
(bi/superset/bundle/); segmart bi imports them with the folder filled in and serves Superset on
127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from segmart.layout import project_root

log = logging.getLogger(__name__)

BI = project_root() / "bi" / "superset"
LOCK = BI / "requirements.lock"
CONFIG = BI / "superset_config.py"
BUNDLE = BI / "bundle"
PLACEHOLDER = "SEGMART_PUBLISHED_DIR"
ADMIN = "admin"
DASHBOARDS = {"en": "segmart-segments", "zh": "segmart-segments-zh"}


class SupersetError(RuntimeError):
    """A Superset set-up step failed; the message names it and Superset's last words."""


def default_home() -> Path:
    return Path(os.environ.get("SEGMART_SUPERSET_HOME", project_root() / ".superset")).resolve()


def install(venv: Path) -> Path:
    """Superset's venv, installed from the lock file (again only when the lock file changed).
    Returns its bin folder."""
    stamp = venv / ".segmart-lock.sha256"
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    bin_dir = venv / "bin"
    if stamp.exists() and stamp.read_text() == digest and (bin_dir / "superset").exists():
        return bin_dir
    started = time.perf_counter()
    log.info("installing Apache Superset into %s (its own venv, %s)", venv, LOCK.relative_to(project_root()))
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", str(venv)], "creating Superset's venv")
    _run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(LOCK)],
        "installing Superset",
    )
    stamp.write_text(digest)
    log.info("Superset installed in %.0fs", time.perf_counter() - started)
    return bin_dir


def _secret(home: Path, name: str, variable: str) -> str:
    """The env var's value, else the one kept in home/name (generated once, mode 600)."""
    if os.environ.get(variable):
        return os.environ[variable]
    path = home / name
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
        log.info("generated %s (set %s to choose it)", path, variable)
    return path.read_text().strip()


def admin_password(home: Path) -> str:
    return _secret(home, "admin_password", "SEGMART_SUPERSET_ADMIN_PASSWORD")


def environment(home: Path, bin_dir: Path) -> dict:
    return {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(CONFIG),
        "SEGMART_SUPERSET_HOME": str(home),
        "SUPERSET_SECRET_KEY": _secret(home, "secret_key", "SUPERSET_SECRET_KEY"),
        "FLASK_APP": "superset",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _run(command: list[str], what: str, env: dict | None = None) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise SupersetError(f"{what} failed (exit {done.returncode}): " + " | ".join(last))


def initialise(home: Path, bin_dir: Path) -> None:
    """The metadata database, the admin user and Superset's roles (once per home folder)."""
    stamp = home / ".initialised"
    if stamp.exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    env = environment(home, bin_dir)
    superset = str(bin_dir / "superset")
    started = time.perf_counter()
    _run([superset, "db", "upgrade"], "superset db upgrade", env)
    _run(
        [superset, "fab", "create-admin", "--username", ADMIN, "--firstname", "segmart", "--lastname", "admin"]
        + ["--email", "admin@localhost.invalid", "--password", admin_password(home)],
        "superset fab create-admin",
        env,
    )
    _run([superset, "init"], "superset init", env)
    stamp.touch()
    log.info("Superset initialised in %s in %.0fs", home, time.perf_counter() - started)


def bundle_zip(published: Path, out: Path) -> Path:
    """The dashboards bundle (bi/superset/bundle/) as the zip Superset imports, its DuckDB
    database reading the Parquet files in `published`."""
    import yaml

    out.parent.mkdir(parents=True, exist_ok=True)
    folder = str(published.resolve())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(BUNDLE.rglob("*.yaml")):
            data = path.read_text()
            if path.parent.name == "databases":
                document = yaml.safe_load(data)
                config = document["extra"]["engine_params"]["connect_args"]["config"]
                if config.get("file_search_path") != PLACEHOLDER:
                    raise SupersetError(f"{path}: file_search_path must be {PLACEHOLDER} in the bundle")
                config["file_search_path"] = folder
                data = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
            archive.writestr(f"segmart_dashboards/{path.relative_to(BUNDLE)}", data)
    out.write_bytes(buffer.getvalue())
    return out


def import_dashboards(home: Path, bin_dir: Path, published: Path) -> None:
    """Import (or update, by uuid) the dashboards, reading `published`."""
    missing = [
        name
        for name in ("customer_segments", "pareto_curve", "segment_migrations")
        if not (published / f"{name}.parquet").exists()
    ]
    if missing:
        raise SupersetError(
            f"{published} has no {missing[0]}.parquet: run `segmart build` (or `segmart publish`) first"
        )
    started = time.perf_counter()
    archive = bundle_zip(published, home / "segmart_dashboards.zip")
    _run(
        [str(bin_dir / "superset"), "import-dashboards", "-p", str(archive), "-u", ADMIN],
        "superset import-dashboards",
        environment(home, bin_dir),
    )
    log.info("dashboards imported from %s in %.0fs", BUNDLE.relative_to(project_root()), time.perf_counter() - started)


def serve_command(bin_dir: Path, port: int) -> list[str]:
    return [str(bin_dir / "superset"), "run", "-h", "127.0.0.1", "-p", str(port), "--with-threads"]


def prepare(home: Path, published: Path, venv: Path | None = None) -> Path:
    """Install (into venv, default home/venv), initialise and import: what precedes serving.
    Returns Superset's bin folder."""
    bin_dir = install(venv or home / "venv")
    initialise(home, bin_dir)
    import_dashboards(home, bin_dir, published)
    return bin_dir


def serve(home: Path, published: Path, port: int) -> None:
    """Prepare, then become Superset's server (exec: stopping this process stops Superset)."""
    bin_dir = prepare(home, published)
    password_source = (
        "SEGMART_SUPERSET_ADMIN_PASSWORD"
        if os.environ.get("SEGMART_SUPERSET_ADMIN_PASSWORD")
        else home / "admin_password"
    )
    log.info(
        "Superset on http://127.0.0.1:%s/superset/dashboard/%s/ (Chinese: .../%s/); user %s, password in %s; Ctrl+C stops it",
        port,
        DASHBOARDS["en"],
        DASHBOARDS["zh"],
        ADMIN,
        password_source,
    )
    command = serve_command(bin_dir, port)
    os.execve(command[0], command, environment(home, bin_dir))
