"""Data flows one way: sources → base → staging → intermediate → marts, read from `dbt ls`.

A model never reads a model of a later layer (an intermediate model reading a mart, staging
reading intermediate); marts read marts only where a mart is built from other marts by design
(history and summaries); no model has more than 8 parents. The layers are the folders:
models/staging/base, models/staging, models/intermediate, models/marts."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from helpers import PROJECT, dbt_executable, scratch_env

LAYERS = ("base", "staging", "intermediate", "marts")
# marts built from other marts by design: the history of customer_segments, its migrations, its summary
MART_TO_MART = {
    ("customer_segments", "customer_segment_history"),
    ("customer_segment_history", "segment_migrations"),
    ("customer_segments", "segment_summary"),
    ("clv_backtest", "clv_backtest_summary"),
}
MAX_PARENTS = 8


def layer(path: str) -> str:
    if path.startswith("models/staging/base/"):
        return "base"
    return path.split("/")[1]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    env = scratch_env(tmp_path_factory.mktemp("dag"))
    done = subprocess.run(
        [dbt_executable(), "ls", "--resource-type", "model", "--output", "json", "--quiet", "--target", "ci"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    nodes = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(nodes) >= 40
    return {node["unique_id"]: node for node in nodes}


def edges(models):
    """(parent name, child name, parent layer, child layer) for each parent of each model."""
    for node in models.values():
        for parent in node["depends_on"]["nodes"]:
            if parent in models:
                yield (
                    models[parent]["name"],
                    node["name"],
                    layer(models[parent]["original_file_path"]),
                    layer(node["original_file_path"]),
                )


def test_every_model_is_in_a_layer(models):
    outside = sorted(n["original_file_path"] for n in models.values() if layer(n["original_file_path"]) not in LAYERS)
    assert outside == [], f"models outside the layer folders {LAYERS} (models/staging/base, models/<layer>/): {outside}"


def test_no_model_reads_a_later_layer(models):
    backwards = [
        (p, c)
        for p, c, pl, cl in edges(models)
        if pl in LAYERS and cl in LAYERS and LAYERS.index(pl) > LAYERS.index(cl)
    ]
    assert backwards == [], (
        f"models reading a later layer (parent, child): {backwards}; read the intermediate model the "
        "mart publishes instead (e.g. int_customers_profiled for customer_features)"
    )


def test_marts_read_marts_only_by_design(models):
    mart_to_mart = {(p, c) for p, c, pl, cl in edges(models) if pl == cl == "marts"}
    assert mart_to_mart <= MART_TO_MART, (
        f"unexpected mart → mart edges: {sorted(mart_to_mart - MART_TO_MART)}; build a mart from the "
        "intermediate models (customer_segments' per-dimension models, int_customers_profiled, ...), or, "
        "for a history or summary of a mart by design, add the edge to MART_TO_MART in tests_py/test_dag.py"
    )


def test_no_model_has_more_than_eight_parents(models):
    crowded = {
        n["name"]: len(n["depends_on"]["nodes"]) for n in models.values() if len(n["depends_on"]["nodes"]) > MAX_PARENTS
    }
    assert crowded == {}, f"models with more than {MAX_PARENTS} parents (models, seeds, sources): {crowded}"


def test_no_macro_calls_ref():
    """A model's inputs are in the model: macros take relations as arguments, never ref() a model
    themselves (comments aside)."""
    hidden = []
    for path in sorted((PROJECT / "macros").rglob("*.sql")):
        code = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)
        hidden += [
            f"{path.relative_to(PROJECT)}:{code[: match.start()].count(chr(10)) + 1}"
            for match in re.finditer(r"\bref\(", code)
        ]
    assert hidden == [], f"ref() inside macros: {hidden}"
