"""The marts are a stable interface: contracted (names, types; checked by segmart.contracts, the
pre-commit hook, and enforced by dbt on DuckDB), public, and the only models a model outside the
project's group may build on."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml
from helpers import CONTRACTED_MARTS, PROJECT, dbt_executable, scratch_env

from segmart.contracts import problems

CONTRACTED = CONTRACTED_MARTS


def _copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    for name in ("models", "macros", "seeds", "tests", "analyses", "snapshots"):
        shutil.copytree(PROJECT / name, project / name)
    for name in ("dbt_project.yml", "profiles.yml", "selectors.yml"):
        shutil.copy(PROJECT / name, project / name)
    return project


def test_every_mart_is_contracted():
    assert problems(PROJECT) == []


def test_the_check_names_a_column_without_a_type_a_mart_without_yaml_and_a_contract_switched_off(tmp_path):
    project = _copy_project(tmp_path)
    features = project / "models/marts/features/_features__models.yml"
    text = features.read_text()
    assert "{name: order_count, data_type: bigint," in text
    features.write_text(text.replace("{name: order_count, data_type: bigint,", "{name: order_count,", 1))
    (project / "models/marts/my_mart.sql").write_text("select 1 as one\n")
    segments = project / "models/marts/segments/customer_segments.sql"
    segments.write_text("{{ config(contract={'enforced': false}) }}\n" + segments.read_text())
    found = problems(project)
    assert any("customer_features.order_count has no data_type" in line for line in found), found
    assert any("my_mart.sql: no YAML declares model my_mart" in line for line in found), found
    assert any("customer_segments.sql: sets its own contract" in line for line in found), found
    assert len(found) == 3, found


def test_the_check_follows_model_versions_and_catches_a_subfolder_switched_off(tmp_path):
    """README's rule for a breaking change: a new version in <mart>_v2.sql, declared under
    versions: passes the check; a marts subfolder that sets +contract itself does not."""
    project = _copy_project(tmp_path)
    models = project / "models/marts/segments/_segments__models.yml"
    document = yaml.safe_load(models.read_text())
    pareto = next(m for m in document["models"] if m["name"] == "pareto_curve")
    pareto["latest_version"] = 1
    pareto["versions"] = [{"v": 1, "defined_in": "pareto_curve"}, {"v": 2}]
    models.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    (project / "models/marts/segments/pareto_curve_v2.sql").write_text("select 1 as one\n")
    assert problems(project) == []
    settings = project / "dbt_project.yml"
    text = settings.read_text()
    marker = "    marts:\n      +schema: marts\n"
    assert marker in text
    settings.write_text(text.replace(marker, marker + "      segments:\n        +contract: {enforced: false}\n", 1))
    found = problems(project)
    assert found == [
        "dbt_project.yml: models.segmart.marts.segments sets +contract: the marts take theirs from models.segmart.marts"
    ]


def test_the_warehouse_holds_no_leftover_dbt_tmp_relations(warehouse):
    """dbt leaves an incremental Python model's __dbt_tmp table behind; the on-run-end hook
    drops it, so BI tools listing the warehouse never see one."""
    leftovers = warehouse.execute(
        "select table_name from information_schema.tables where table_name like '%dbt_tmp%'"
    ).fetchall()
    assert leftovers == []


def test_the_warehouse_columns_have_the_contracted_types(warehouse):
    """The built marts' types, read from the warehouse's catalog, are the YAML's data_type."""
    declared = {}
    for path in (PROJECT / "models/marts").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            declared[model["name"]] = {c["name"]: str(c["data_type"]).lower() for c in model.get("columns", [])}
    assert CONTRACTED <= set(declared)
    rows = warehouse.execute(
        "select table_name, column_name, lower(data_type) from information_schema.columns where table_schema = 'marts'"
    ).fetchall()
    built: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        built.setdefault(table, {})[column] = data_type
    for name in CONTRACTED:
        assert built[name] == declared[name], name
    keys = warehouse.execute(
        "select table_name from information_schema.table_constraints "
        "where table_schema = 'marts' and constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    # primary keys on the small marts; the customer-grain ones keep their key NOT NULL (an index
    # over millions of keys costs more than the unique test: DECISIONLOG.md)
    assert {"segment_summary", "pareto_curve", "segment_migrations"} <= {table for (table,) in keys}
    required = warehouse.execute(
        "select table_name from information_schema.columns "
        "where table_schema = 'marts' and column_name = 'customer_id' and is_nullable = 'NO'"
    ).fetchall()
    assert {"customer_segments", "customer_features", "customer_lifetime_value", "customer_share_of_wallet"} <= {
        table for (table,) in required
    }


def test_a_model_outside_the_group_builds_on_marts_not_on_private_models(tmp_path):
    project = _copy_project(tmp_path)
    own = project / "models/my_team/my_customers.sql"
    own.parent.mkdir()
    env = scratch_env(tmp_path)
    command = [
        dbt_executable(),
        "parse",
        "--target",
        "lint",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
    ]
    ctes = ",\n".join(f"{name} as (select * from {{{{ ref('{name}') }}}})" for name in sorted(CONTRACTED))
    own.write_text(f"with\n{ctes}\nselect customer_id from customer_segments\n")
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
    own.write_text("select customer_id from {{ ref('stg_raw__orders') }}\n")
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "private to the 'segmart' group" in done.stdout, done.stdout[-2000:]


def test_the_pre_commit_hooks_run_the_project_tools():
    """Each local hook's command is one of the venv's tools, and the contract hook passes."""
    config = yaml.safe_load((PROJECT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    assert set(hooks) == {"sqlfluff-lint", "ruff-check", "ruff-format", "marts-contracted"}
    for hook in hooks.values():
        executable = PROJECT / hook["entry"].split()[0]
        assert executable.exists(), hook["entry"]
    contract = hooks["marts-contracted"]["entry"].split()
    done = subprocess.run([str(PROJECT / contract[0]), *contract[1:]], cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
