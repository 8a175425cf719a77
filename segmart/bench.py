"""`segmart bench`: how fast the warehouse is, measured against what a user would do without it.

One run at a scale (preset 1M, 10M or 100M orders, about 9 orders per customer) times, each in
its own child process so wall time, CPU time and peak memory are the child's own:
  1. dbt: `dbt seed` + `dbt run` (the models) into a fresh DuckDB file, then `dbt test`;
     per-node timings come from run_results.json;
  2. the floor: bench/floor.sql, one hand-written DuckDB script that reads, validates and
     de-duplicates the five raw sources and computes the marts' core columns (no CLV fit);
  3. the pandas path: lifetimes' summary_data_from_transaction_data on the same orders (skipped
     above 10M orders);
  4. the daily load: the next export (1% more orders, segmart/append.py) landed as a new file
     per table and built incrementally with `dbt run` on the warehouse of step 1.
Steps 1-3 read the data without its newest 1% of orders ("before", a landing zone of one file
per table); step 4 the zone with the next export beside it ("after": the first files are hard
links, so the history is not stored twice). Above 10M orders step 3 is skipped.
Raw data are generated once per scale and seed and cached under .bench/data. Results go to
.bench/results/*.json and to BENCHMARKS.md (medians of the runs, ratios, the ten slowest nodes).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from segmart.layout import RAW_COLUMNS, project_root, raw_table_files

# not __name__: the benchmark's workers run this module as __main__
log = logging.getLogger("segmart.bench")

PRESETS = {"1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}
ORDERS_PER_CUSTOMER = 9.05  # what the generator's purchase process gives on average
PANDAS_LIMIT = 10_000_000
BENCH_DIR = Path(".bench")


def parse_orders(text: str) -> tuple[str, int]:
    key = text.upper()
    if key in PRESETS:
        return key, PRESETS[key]
    try:
        orders = int(text.replace("_", ""))
    except ValueError:
        raise ValueError(f"--orders must be 1M, 10M, 100M or a number, not {text!r}") from None
    return f"{orders:,}", orders


def _peak_rss_kb(pid: int) -> int:
    """The process's high-water mark of resident memory (VmHWM), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _measure(command: list[str], env: dict | None = None, cwd: Path | None = None, check: bool = True) -> dict:
    """Run a child process; return its wall time, CPU time (user + system) and peak RSS.

    Peak memory is polled from the child's own VmHWM: the rusage of a forked child also counts
    pages it shared with this (large) parent before exec, which would hide small children."""
    import threading

    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd or project_root(), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = [0]
    finished = threading.Event()

    def poll():
        while not finished.is_set():
            peak[0] = max(peak[0], _peak_rss_kb(process.pid))
            finished.wait(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    finished.set()
    poller.join()
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and check:
        raise RuntimeError(f"{' '.join(command[:3])} failed (exit {code}):\n{output[-3000:]}")
    measured = {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": peak[0] / 1024}
    return measured if code == 0 else {**measured, "exit_code": code, "output": output[-3000:]}


def _dataset(label: str, orders: int, seed: int) -> tuple[Path, Path]:
    """The generated raw folder (cached), split into landing zones (README "Daily loads: one new
    file per export"): before, the data without its newest 1% of orders, one file per table; and
    after, the same file (a hard link: no second copy of the history at 100M orders) with the next
    export landed as a new file beside it. Returns (before, after)."""
    from segmart.append import split_for_append
    from segmart.generate import generate

    folder = project_root() / BENCH_DIR / "data" / f"orders-{label.replace(',', '')}-seed{seed}"
    if not (folder / "_manifest.json").exists():
        customers = max(1, round(orders / ORDERS_PER_CUSTOMER))
        log.info("generating %s customers (~%s orders) into %s", f"{customers:,}", f"{orders:,}", folder)
        generate(customers, seed, folder)
    before, after = folder.with_name(folder.name + "-landed-before"), folder.with_name(folder.name + "-landed-after")
    if not (after / "_split.json").exists():
        log.info("splitting off the newest 1%% of orders as the next export: %s, %s", before.name, after.name)
        info = split_for_append(folder, before, after, landing=True)
        manifest = json.loads((folder / "_manifest.json").read_text())
        counts = _row_counts(before)
        (before / "_manifest.json").write_text(json.dumps({"rows": counts, "derived_from": folder.name, **info}))
        (after / "_split.json").write_text(json.dumps({"generated_rows": manifest["rows"], **info}))
    return before, after


def _row_counts(folder: Path) -> dict:
    import pyarrow.parquet as pq

    return {
        table: sum(pq.read_metadata(p).num_rows for p in raw_table_files(folder, table) if p.exists())
        for table in RAW_COLUMNS
    }


def _dbt_env(raw: Path, database: Path, target_path: Path) -> dict:
    return {
        **os.environ,
        "SEGMART_RAW_DIR": str(raw),
        "SEGMART_CI_DUCKDB_PATH": str(database),
        "DBT_PROFILES_DIR": str(project_root()),
        "DBT_TARGET_PATH": str(target_path),
        "DBT_LOG_PATH": str(target_path / "logs"),
    }


def _dbt() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def _combine(*parts: dict) -> dict:
    return {
        "wall_s": sum(p["wall_s"] for p in parts),
        "cpu_s": sum(p["cpu_s"] for p in parts),
        "peak_rss_mb": max(p["peak_rss_mb"] for p in parts),
    }


def _node_times(work: Path) -> dict:
    """Per-node execution times of the last dbt command (written even when it failed)."""
    path = work / "target" / "run_results.json"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in json.load(handle)["results"]}


def _failed_nodes(work: Path) -> list[str]:
    """The nodes of the last dbt command that ended in an error (out of memory, say)."""
    path = work / "target" / "run_results.json"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        results = json.load(handle)["results"]
    return [r["unique_id"].split(".")[-1] for r in results if r["status"] in ("error", "fail")]


def one_run(raw: Path, work: Path, orders: int, next_export: Path | None = None, run: dict | None = None) -> dict:
    """One measured run; `run` collects the steps as they finish, so a failure keeps them."""
    run = {} if run is None else run
    run["load_average"] = [os.getloadavg()[0]]  # the machine may be shared: said beside the times
    database = work / "bench.duckdb"
    for leftover in [database, database.with_name(database.name + ".wal")]:
        leftover.unlink(missing_ok=True)
    (work / "target" / "run_results.json").unlink(missing_ok=True)
    env = _dbt_env(raw, database, work / "target")
    seed = _measure([_dbt(), "seed", "--target", "ci", "--quiet"], env)
    # a model that fails (out of memory at 100M orders, say) is recorded with its children
    # skipped, and the other steps still measured: its time is then that of the rest
    try:
        models = _measure([_dbt(), "run", "--target", "ci", "--quiet"], env, check=False)
    finally:
        run["nodes"] = _node_times(work)
    if "exit_code" in models:
        run["failed_nodes"] = _failed_nodes(work)
    run["dbt_models"] = _combine(seed, models)
    run["dbt_tests"] = _measure([_dbt(), "test", "--target", "ci", "--quiet"], env)
    run["floor"] = _measure([sys.executable, "-m", "segmart.bench", "worker", "floor", str(raw)])
    if orders <= PANDAS_LIMIT:
        run["pandas_lifetimes"] = _measure([sys.executable, "-m", "segmart.bench", "worker", "lifetimes", str(raw)])
    if next_export is not None:
        env = _dbt_env(next_export, database, work / "target")
        try:
            run["dbt_incremental"] = _measure([_dbt(), "run", "--target", "ci", "--quiet"], env, check=False)
        finally:
            run["incremental_nodes"] = _node_times(work)
        if "exit_code" in run["dbt_incremental"]:
            run["incremental_failed_nodes"] = _failed_nodes(work)
    run["load_average"].append(os.getloadavg()[0])
    return run


# the settings a raw folder's _manifest.json may carry -> the env var dbt reads them from, default
FLOOR_SETTINGS = {
    "reporting_currency": ("SEGMART_REPORTING_CURRENCY", "CNY"),
    "business_timezone": ("SEGMART_BUSINESS_TIMEZONE", "Asia/Shanghai"),
}


def floor_parameters(raw: str) -> dict:
    """What bench/floor.sql needs filled in: places, the raw folder's currency and time zone
    (its _manifest.json, else the env vars dbt reads, else dbt's defaults) and the thresholds
    from the dbt vars, so the floor applies the warehouse's rules."""
    from segmart.layout import read_manifest
    from segmart.validate import dbt_vars

    v = dbt_vars()
    shares = v["value_tier_shares"]
    settings = (read_manifest(Path(raw)) or {}).get("settings") or {}
    chosen = {
        name: settings.get(name) or os.environ.get(env, default) for name, (env, default) in FLOOR_SETTINGS.items()
    }
    return {
        **{f"{table}_file": _one_file(raw, table) for table in RAW_COLUMNS},
        "seeds": project_root() / "seeds",
        "reporting_currency": chosen["reporting_currency"].strip().upper(),
        "default_currency": chosen["reporting_currency"].strip().upper(),
        "business_timezone": chosen["business_timezone"],
        "max_amount": v["max_order_amount"],
        "max_customer_age_years": v["max_customer_age_years"],
        "income_low_edge": v["income_band_edges"][0],
        "income_high_edge": v["income_band_edges"][1],
        "recent_days": v["recent_orders_window_days"],
        "year_days": v["year_window_days"],
        "engagement_days": v["engagement_window_days"],
        "btyd_time_unit_days": v["btyd_time_unit_days"],
        **{f"weight_{event}": weight for event, weight in v["engagement_weights"].items()},
        "wallet_quantile": v["wallet_quantile"],
        "min_peers": v["wallet_min_peer_group_size"],
        "platinum_cut": shares["platinum"],
        "gold_cut": round(shares["platinum"] + shares["gold"], 10),
        "iron_cut": round(shares["platinum"] + shares["gold"] + shares["iron"], 10),
    }


def _one_file(raw: str, table: str) -> Path:
    """The file of a raw table: `<raw>/<table>.parquet` or the one file landed in `<raw>/<table>/`
    (the benchmark's data before the next export is a landing zone of one file per table)."""
    files = raw_table_files(Path(raw), table)
    if len(files) != 1:
        raise ValueError(f"{raw}/{table}: the floor reads one file per table, found {len(files)}")
    return files[0]


def floor_sql(raw: str) -> str:
    """bench/floor.sql with its parameters filled in."""
    sql = (project_root() / "bench" / "floor.sql").read_text(encoding="utf-8")
    for name, value in floor_parameters(raw).items():
        sql = sql.replace("{" + name + "}", str(value))
    return sql


def worker(kind: str, raw: str) -> None:
    """The measured work of one child process."""
    import duckdb

    if kind == "floor":
        con = duckdb.connect(
            config={
                "threads": os.environ.get("SEGMART_DUCKDB_THREADS", "2"),
                "memory_limit": os.environ.get("SEGMART_DUCKDB_MEMORY_LIMIT", "3GB"),
                # spills beside the models' (.bench/work), not in the current folder's .tmp
                "temp_directory": str(project_root() / BENCH_DIR / "work" / "floor.tmp"),
            }
        )
        con.execute(floor_sql(raw))
        con.execute("select count(*) from floor_customers").fetchall()
    elif kind == "lifetimes":
        import pandas as pd
        from lifetimes.utils import summary_data_from_transaction_data

        orders = pd.read_parquet(
            _one_file(raw, "orders"),
            columns=["customer_id", "ordered_at", "status", "gross_amount", "discount_amount", "refund_amount"],
        )
        orders["date"] = pd.to_datetime(
            orders["ordered_at"].str.slice(0, 10).str.replace("/", "-"), format="%Y-%m-%d", errors="coerce"
        )
        for column in ["gross_amount", "discount_amount", "refund_amount"]:
            orders[column] = pd.to_numeric(orders[column], errors="coerce")
        orders["net"] = orders["gross_amount"] - orders["discount_amount"] - orders["refund_amount"]
        orders = orders[
            (orders["status"] != "cancelled")
            & (orders["net"] > 0)
            & orders["date"].notna()
            & orders["customer_id"].notna()
        ]
        summary_data_from_transaction_data(
            orders, "customer_id", "date", monetary_value_col="net", observation_period_end=orders["date"].max()
        )
    else:
        raise ValueError(kind)


def _median(runs: list[dict], step: str, metric: str) -> float | None:
    values = [r[step][metric] for r in runs if step in r]
    return statistics.median(values) if values else None


def _load_range(runs: list[dict]) -> list[float] | None:
    """The lowest and highest 1-minute load average seen at the start and end of the runs."""
    loads = [load for r in runs for load in r.get("load_average", [])]
    return [min(loads), max(loads)] if loads else None


def summarise(label: str, orders: int, raw: Path, runs: list[dict]) -> dict:
    manifest = json.loads((raw / "_manifest.json").read_text())
    steps = ["dbt_models", "dbt_tests", "floor", "pandas_lifetimes", "dbt_incremental"]
    medians = {
        s: {m: _median(runs, s, m) for m in ["wall_s", "cpu_s", "peak_rss_mb"]}
        for s in steps
        if any(s in r for r in runs)
    }
    btyd_nodes = ["int_customer_days_collapsed", "int_customer_btyd_summarised"]
    btyd = statistics.median(sum(r["nodes"].get(n, 0) for n in btyd_nodes) for r in runs)
    last_nodes = runs[-1]["nodes"]
    models = medians["dbt_models"]["wall_s"]
    result = {
        "label": label,
        "orders": manifest["rows"]["orders"],
        "customers": manifest["rows"]["customers"],
        "runs": len(runs),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "platform": platform.platform(),
            "duckdb_memory_limit": os.environ.get("SEGMART_DUCKDB_MEMORY_LIMIT", "3GB"),
        },
        "medians": medians,
        "ratios": {
            "dbt_models_over_floor": models / medians["floor"]["wall_s"],
            "dbt_tests_over_models": medians["dbt_tests"]["wall_s"] / models,
            "pandas_over_warehouse_btyd": (
                medians["pandas_lifetimes"]["wall_s"] / btyd if "pandas_lifetimes" in medians and btyd else None
            ),
            "incremental_over_models": (
                medians["dbt_incremental"]["wall_s"] / models if "dbt_incremental" in medians else None
            ),
            "incremental_order_models_over_full": _order_models_ratio(runs),
        },
        "warehouse_btyd_s": btyd,
        "orders_per_second": manifest["rows"]["orders"] / models,
        "slowest_nodes": sorted(last_nodes.items(), key=lambda kv: -kv[1])[:10],
        "load_average": _load_range(runs),
        "all_runs": runs,
    }
    return result


# the order-grained models an incremental build appends to (macros/incremental.sql)
ORDER_GRAINED = [
    "base_raw__orders",
    "base_raw__order_items",
    "base_raw__customer_events",
    "int_orders_netted",
    "int_purchase_lines_netted",
    "int_customer_days_collapsed",
]


def _order_models_ratio(runs: list[dict]) -> float | None:
    """Median over runs of: the order-grained models' time in the incremental build / in the full build."""
    ratios = [
        sum(r["incremental_nodes"].get(n, 0) for n in ORDER_GRAINED) / sum(r["nodes"].get(n, 0) for n in ORDER_GRAINED)
        for r in runs
        if "incremental_nodes" in r
    ]
    return statistics.median(ratios) if ratios else None


def markdown(result: dict) -> str:
    m, r = result["medians"], result["ratios"]

    def row(name, step):
        if step not in m:
            return f"| {name} | skipped above {PANDAS_LIMIT:,} orders | | |"
        s = m[step]
        return f"| {name} | {s['wall_s']:.1f} | {s['cpu_s']:.1f} | {s['peak_rss_mb']:,.0f} |"

    lines = [
        f"## {result['label']} orders ({result['orders']:,} orders, {result['customers']:,} customers)",
        "",
        f"Median of {result['runs']} run(s), {result['when']}; {result['machine']['cores']} cores, "
        f"{result['machine']['memory_gb']} GiB, DuckDB memory_limit {result['machine']['duckdb_memory_limit']}"
        + (
            f"; load average {result['load_average'][0]:.1f}–{result['load_average'][1]:.1f} (1 min, at the runs' "
            "start and end: other work on the machine slows both sides of a ratio)."
            if result.get("load_average")
            else "."
        ),
        "",
        "| step | wall s | CPU s | peak MB |",
        "|---|---:|---:|---:|",
        row("dbt models (seed + run)", "dbt_models"),
        row("dbt tests", "dbt_tests"),
        row("floor SQL (bench/floor.sql)", "floor"),
        row("pandas + lifetimes BTYD summary", "pandas_lifetimes"),
        row("dbt run after the next export (+1% orders, incremental)", "dbt_incremental"),
        "",
        f"- dbt models / floor: **{r['dbt_models_over_floor']:.2f}×** ({m['dbt_models']['wall_s']:.1f} s / "
        f"{m['floor']['wall_s']:.1f} s); tests / models: "
        f"**{r['dbt_tests_over_models']:.2f}×**; {result['orders_per_second']:,.0f} orders/s through the models.",
    ]
    if r["pandas_over_warehouse_btyd"]:
        lines.append(
            f"- BTYD summary: warehouse nodes {result['warehouse_btyd_s']:.2f} s vs pandas + lifetimes "
            f"{m['pandas_lifetimes']['wall_s']:.1f} s: **{r['pandas_over_warehouse_btyd']:.1f}×** faster."
        )
    failed = sorted({n for run in result.get("all_runs", []) for n in run.get("failed_nodes", [])})
    if failed:
        lines.append(
            f"- **Failed in the full build** (their children skipped; the times above are the rest's): "
            f"{', '.join(failed)}."
        )
    if r.get("incremental_over_models"):
        lines.append(
            f"- Next export (+1% orders) built incrementally: **{r['incremental_over_models']:.2f}×** the full "
            f"build; the order-grained models alone: **{r['incremental_order_models_over_full']:.2f}×** their "
            "full-build time (the customer state recomputes the customers the export touched or moved across a "
            "window edge; every model downstream of it is rebuilt in full)."
        )
    lines += [
        "",
        "Ten slowest nodes (last run): " + ", ".join(f"{n} {t:.1f} s" for n, t in result["slowest_nodes"]),
        "",
    ]
    return "\n".join(lines)


def write_report(result: dict) -> Path:
    results = project_root() / BENCH_DIR / "results"
    results.mkdir(parents=True, exist_ok=True)
    stamp = result["when"].replace(":", "").replace("+0000", "Z")
    (results / f"bench-{result['label'].replace(',', '')}-{stamp}.json").write_text(json.dumps(result, indent=2))
    path = project_root() / "BENCHMARKS.md"
    text = (
        path.read_text(encoding="utf-8")
        if path.exists()
        else (
            "# Benchmarks\n\nWritten by `segmart bench --orders N` (one section per scale, replaced on each run).\n"
            "Times are medians of the runs of one invocation; the machine is shared, so compare ratios.\n\n"
        )
    )
    begin, end = f"<!-- bench:{result['label']} -->", f"<!-- /bench:{result['label']} -->"
    section = f"{begin}\n{markdown(result)}\n{end}"
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def bench(orders_text: str, runs: int = 3, seed: int = 42) -> dict:
    label, orders = parse_orders(orders_text)
    raw, next_export = _dataset(label, orders, seed)
    work = project_root() / BENCH_DIR / "work"
    work.mkdir(parents=True, exist_ok=True)
    all_runs = []
    for number in range(1, runs + 1):
        log.info("run %d/%d at %s orders", number, runs, label)
        run: dict = {}
        try:
            all_runs.append(one_run(raw, work, orders, next_export, run))
        except RuntimeError as exc:
            # keep what was measured before the failure (node times included) for the record
            results = project_root() / BENCH_DIR / "results"
            results.mkdir(parents=True, exist_ok=True)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H%M%SZ")
            failed = results / f"bench-{label.replace(',', '')}-FAILED-{stamp}.json"
            failed.write_text(
                json.dumps({"label": label, "run": number, "error": str(exc)[-3000:], "completed": run}, indent=2)
            )
            raise RuntimeError(f"run {number} failed; what it measured is in {failed}:\n{exc}") from None
    result = summarise(label, orders, raw, all_runs)
    write_report(result)
    return result


# --- Spark: the same data built on a Spark target, with the CLV step timed ---------------------

CLV_NODES = ["int_clv_parameters_fitted", "int_customer_clv_predicted"]


def bench_spark(orders_text: str, target: str, seed: int = 42, until_clv_step: bool = False) -> dict:
    """One `segmart build --target <spark target>` of the benchmark data (the data before the
    newest 1%), with every node's time (both dbt runs) and the CLV step's parts, beside the DuckDB
    Python models' fit and scoring times on the same data (`dbt run` into a fresh DuckDB file).
    For a spark_cluster target run it inside `segmart spark-cluster -- ...`. Written to
    .bench/results/spark-<scale>-<target>.json."""
    import shutil

    from segmart import spark_build

    label, orders = parse_orders(orders_text)
    raw, _ = _dataset(label, orders, seed)
    work = project_root() / BENCH_DIR / "work" / f"spark-{target}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    result: dict = {"label": label, "target": target, "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    result["rows"] = _row_counts(raw)
    # DuckDB: the models only, timed per node
    env = _dbt_env(raw, work / "bench.duckdb", work / "duckdb-target")
    _measure([_dbt(), "seed", "--target", "ci", "--quiet"], env)
    result["duckdb_models"] = _measure([_dbt(), "run", "--target", "ci", "--quiet"], env)
    results_file = work / "duckdb-target" / "run_results.json"
    duckdb_nodes = {
        r["unique_id"].split(".")[-1]: r["execution_time"] for r in json.loads(results_file.read_text())["results"]
    }
    result["duckdb_clv_s"] = {node: duckdb_nodes.get(node) for node in CLV_NODES}
    # Spark: segmart build, in this process's environment (the cluster's env vars, if any)
    spark_target = work / "spark-target"
    timings = work / "clv-step.json"
    saved = {name: os.environ.get(name) for name in ("SEGMART_RAW_DIR", "SEGMART_SPARK_DIR")}
    os.environ["SEGMART_RAW_DIR"] = str(raw)
    os.environ.setdefault("SEGMART_SPARK_DIR", str(work / "spark"))
    started = time.perf_counter()
    try:
        spark_build.build(target, ["--target-path", str(spark_target)], timings=timings, until_clv_step=until_clv_step)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    result["spark_build_wall_s"] = time.perf_counter() - started
    result["until_clv_step"] = until_clv_step
    nodes = {}
    for name in ("run_results.before_clv_step.json", "run_results.json"):
        if until_clv_step and name == "run_results.json":
            continue
        for r in json.loads((spark_target / name).read_text())["results"]:
            nodes[r["unique_id"].split(".")[-1]] = r["execution_time"]
    result["spark_nodes"] = nodes
    result["spark_clv_step"] = json.loads(timings.read_text())
    result["slowest_spark_nodes"] = sorted(
        ((n, t) for n, t in nodes.items() if not n.startswith(("not_null", "unique", "accepted", "relationships"))),
        key=lambda kv: -kv[1],
    )[:12]
    results = project_root() / BENCH_DIR / "results"
    results.mkdir(parents=True, exist_ok=True)
    suffix = "-until-clv-step" if until_clv_step else ""
    (results / f"spark-{label.replace(',', '')}-{target}{suffix}.json").write_text(json.dumps(result, indent=2))
    return result


def spark_markdown(result: dict) -> str:
    step = result["spark_clv_step"]["seconds"]
    lines = [
        f"### {result['label']} orders on `{result['target']}` ({result['when']})",
        "",
        f"- `segmart build --target {result['target']}`"
        + (" up to the CLV step" if result.get("until_clv_step") else "")
        + f": {result['spark_build_wall_s']:.1f} s wall",
        "- CLV step: "
        + ", ".join(f"{part} {value:.1f} s" for part, value in step.items())
        + f"; {result['spark_clv_step']['collected_rows']:,} condensed rows collected",
        "- DuckDB Python models on the same data: "
        + ", ".join(f"{node} {value:.1f} s" for node, value in result["duckdb_clv_s"].items() if value is not None)
        + f" (all models {result['duckdb_models']['wall_s']:.1f} s)",
        "",
        "| slowest Spark nodes | s |",
        "|---|---:|",
        *(f"| {name} | {seconds:.1f} |" for name, seconds in result["slowest_spark_nodes"]),
    ]
    return "\n".join(lines)


if __name__ == "__main__" and len(sys.argv) >= 4 and sys.argv[1] == "worker":
    worker(sys.argv[2], sys.argv[3])
