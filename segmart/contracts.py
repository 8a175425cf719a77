"""Check that the marts stay contracted: every model under models/marts is declared in a YAML
file with every column typed (data_type), and nothing switches its contract off. dbt enforces the
contract itself when it builds (names and types against the SQL); this check is the quick one a
pre-commit hook runs before anything is built.

    python -m segmart.contracts [project folder]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

MARTS = Path("models") / "marts"


def _contract_off(config: dict | None) -> bool:
    contract = (config or {}).get("contract")
    return isinstance(contract, dict) and contract.get("enforced") is False


def _folder_overrides(config: dict, where: str) -> list[str]:
    """Subfolders of models/marts in dbt_project.yml that set +contract themselves."""
    found = []
    for key, value in config.items():
        if isinstance(value, dict) and not key.startswith("+"):
            if "+contract" in value:
                found.append(f"dbt_project.yml: {where}.{key} sets +contract: the marts take theirs from {where}")
            found += _folder_overrides(value, f"{where}.{key}")
    return found


def _declared(project: Path) -> dict[str, tuple[Path, dict]]:
    """Every model the marts' YAML declares, by name; a versioned model also by each version's
    file name (<name>_v<N>, or its defined_in)."""
    declared: dict[str, tuple[Path, dict]] = {}
    for path in sorted((project / MARTS).rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            declared[model["name"]] = (path, model)
            for version in model.get("versions") or []:
                declared[version.get("defined_in") or f"{model['name']}_v{version['v']}"] = (path, model)
    return declared


def problems(project: Path) -> list[str]:
    """What breaks the rule, one line each (empty: every mart is contracted)."""
    found: list[str] = []
    settings = yaml.safe_load((project / "dbt_project.yml").read_text())
    marts_config = settings.get("models", {}).get("segmart", {}).get("marts", {})
    if "duckdb" not in str(marts_config.get("+contract", {}).get("enforced", "")):
        found.append("dbt_project.yml: models.segmart.marts must set +contract: {enforced: ...} for DuckDB")
    found += _folder_overrides(marts_config, "models.segmart.marts")
    declared = _declared(project)
    for path in sorted((project / MARTS).rglob("*")):
        if path.suffix not in (".sql", ".py"):
            continue
        name = path.stem
        where = path.relative_to(project)
        if re.search(r"contract\s*=", path.read_text()):
            found.append(f"{where}: sets its own contract (the marts take theirs from dbt_project.yml)")
        if name not in declared:
            found.append(f"{where}: no YAML declares model {name} (its columns and their data_type)")
            continue
        yml, model = declared[name]
        if _contract_off(model.get("config")) or any(
            _contract_off(v.get("config")) for v in model.get("versions") or []
        ):
            found.append(f"{yml.relative_to(project)}: model {model['name']} switches its contract off")
        columns = list(model.get("columns") or [])
        for version in model.get("versions") or []:
            columns += [c for c in version.get("columns") or [] if "include" not in c and "exclude" not in c]
        if not columns:
            found.append(f"{yml.relative_to(project)}: model {model['name']} declares no columns")
        for column in columns:
            if not column.get("data_type"):
                found.append(f"{yml.relative_to(project)}: {model['name']}.{column.get('name')} has no data_type")
    return sorted(set(found), key=found.index)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    project = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    found = problems(project)
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
