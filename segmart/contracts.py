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


def problems(project: Path) -> list[str]:
    """What breaks the rule, one line each (empty: every mart is contracted)."""
    found: list[str] = []
    settings = yaml.safe_load((project / "dbt_project.yml").read_text())
    marts_config = settings.get("models", {}).get("segmart", {}).get("marts", {})
    if "duckdb" not in str(marts_config.get("+contract", {}).get("enforced", "")):
        found.append("dbt_project.yml: models.segmart.marts must set +contract: {enforced: ...} for DuckDB")
    declared: dict[str, tuple[Path, dict]] = {}
    for path in sorted((project / MARTS).rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            declared[model["name"]] = (path, model)
    for path in sorted((project / MARTS).rglob("*")):
        if path.suffix not in (".sql", ".py"):
            continue
        name = path.stem
        where = path.relative_to(project)
        if re.search(r"contract\s*=\s*\{[^}]*enforced['\"]?\s*:\s*false", path.read_text(), re.IGNORECASE):
            found.append(f"{where}: switches its contract off")
        if name not in declared:
            found.append(f"{where}: no YAML declares model {name} (its columns and their data_type)")
            continue
        yml, model = declared[name]
        if _contract_off(model.get("config")):
            found.append(f"{yml.relative_to(project)}: model {name} switches its contract off")
        columns = model.get("columns") or []
        if not columns:
            found.append(f"{yml.relative_to(project)}: model {name} declares no columns")
        for column in columns:
            if not column.get("data_type"):
                found.append(f"{yml.relative_to(project)}: {name}.{column.get('name')} has no data_type")
    return found


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    project = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    found = problems(project)
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
