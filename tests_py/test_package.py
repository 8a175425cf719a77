"""The package: pyproject.toml declares every third-party package segmart/ imports (base
dependencies, or the extra of an optional feature), and `pip install .` alone (no extras, no
requirements.lock beyond its versions) gives a working `segmart --help` and `segmart --version`."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from importlib.metadata import packages_distributions, version

from helpers import PROJECT

from segmart.errors import EXTRAS

PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    """PEP 503 normalised distribution name of a requirement string."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement).group()).lower()


def imported_modules() -> dict[str, set[str]]:
    """Top-level third-party modules imported anywhere in segmart/ -> the files importing them."""
    found: dict[str, set[str]] = {}
    for path in sorted((PROJECT / "segmart").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "segmart":
                    found.setdefault(top, set()).add(path.name)
    return found


def test_every_imported_package_is_declared():
    base = {_name(r) for r in PYPROJECT["dependencies"]}
    extras = {extra: {_name(r) for r in reqs} for extra, reqs in PYPROJECT["optional-dependencies"].items()}
    declared = base.union(*extras.values())
    # import name -> distributions providing it, in this venv (yaml -> PyYAML, dbt -> dbt-core, ...);
    # a module not installed here (pyspark: the Spark leg) is its own distribution name
    providers = packages_distributions()
    undeclared = {}
    for module, files in imported_modules().items():
        dists = {_name(d) for d in providers.get(module, [module])}
        if not dists & declared:
            undeclared[module] = (sorted(dists), sorted(files))
    assert not undeclared, f"imported by segmart/ but not in pyproject.toml: {undeclared}"


def test_each_extra_checked_by_the_cli_is_declared_with_its_modules():
    providers = packages_distributions()
    extras = PYPROJECT["optional-dependencies"]
    for extra, modules in EXTRAS.items():
        assert extra in extras, f"segmart/errors.py EXTRAS names {extra!r}, pyproject.toml has no such extra"
        declared = {_name(r) for r in extras[extra]}
        for module in modules:
            assert {_name(d) for d in providers.get(module, [module])} & declared, (extra, module)


def test_pip_install_without_extras_gives_a_working_cli(tmp_path):
    """A clean venv, `pip install` of a copy of the sources (the build writes build/ and *.egg-info
    beside them) with the machine's pip configuration, held to requirements.lock's versions as
    `make setup` is; ~40 s with a warm pip cache."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ["pyproject.toml", "README.md"]:
        shutil.copy(PROJECT / name, source / name)
    shutil.copytree(PROJECT / "segmart", source / "segmart", ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-c",
            str(PROJECT / "requirements.lock"),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    seconds = time.perf_counter() - started
    print(f"venv + pip install: {seconds:.0f}s")
    segmart = str(venv / "bin" / "segmart")

    assert subprocess.run([segmart, "--help"], capture_output=True, text=True).returncode == 0
    shown = subprocess.run([segmart, "--version"], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"segmart {PYPROJECT['version']}" == f"segmart {version('segmart')}"

    # no extras installed: an optional feature stops with one line naming its extra
    for command, extra in [
        (["report", "--out", str(tmp_path / "report")], "report"),
        (["validate", "--target", "ci"], "validate"),
    ]:
        result = subprocess.run([segmart, *command], capture_output=True, text=True, cwd=tmp_path)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, result.stderr
        assert lines[0].startswith(f"segmart {command[0]}: ") and f'pip install "segmart[{extra}]"' in lines[0]

    # the installed command finds the project from the folder it is started in (or
    # SEGMART_PROJECT_DIR), and says so in one line outside one
    inside = subprocess.run(
        [segmart, "generate", "--customers", "30", "--out", str(tmp_path / "inside")],
        capture_output=True,
        text=True,
        cwd=PROJECT / "models",
    )
    assert inside.returncode == 0, inside.stderr
    assert (tmp_path / "inside" / "orders.parquet").exists()
    outside = subprocess.run(
        [segmart, "generate", "--customers", "30", "--out", str(tmp_path / "outside")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    lines = outside.stderr.strip().splitlines()
    assert outside.returncode == 2 and len(lines) == 1 and "SEGMART_PROJECT_DIR" in lines[0], outside.stderr
    pointed = subprocess.run(
        [segmart, "generate", "--customers", "30", "--out", str(tmp_path / "pointed")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "SEGMART_PROJECT_DIR": str(PROJECT)},
    )
    assert pointed.returncode == 0, pointed.stderr
