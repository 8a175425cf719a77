"""`segmart build --target spark`: dbt on Spark in two runs, with the CLV step between them.

dbt-spark runs Python models only on Databricks, so on Spark the BTYD fit is a step of its own,
as production CLV pipelines on Spark do it:

1. dbt builds the BTYD summary (int_customer_btyd_summarised), the as-of date and everything they
   read, with their tests (`--select ... --indirect-selection cautious`: the tests whose every
   parent is built by then).
2. The CLV step (`run_step`, in a process of its own so that its Spark driver lets go of the
   metastore before dbt opens it again), on DuckDB's schedule (segmart.clv_step.refit_reason:
   var clv_refit_every_days, refit, an explicit --full-refresh, clv_parameters_pin): when a
   refit is due the executors condense the summary to distinct rows with customer counts
   (segmart.clv_step.condensed_queries), the driver collects those, fits segmart.clv and adds
   the fit to the history of fits; the fit in use is the latest not after the as-of date, or the
   pinned one (segmart.clv_step.select_fit); the executors score every buyer with it with a
   pandas UDF (mapInPandas over segmart.clv_step.score). The history, the fit in use and the
   predictions are written as Parquet files under the schema of source segmart_clv (var
   segmart_clv_schema), registered as external tables: dbt's --full-refresh never drops the
   history.
3. dbt builds the rest (`--exclude` the same selection, cautious: every remaining model and
   test), reading the step's tables as source segmart_clv.

The step talks to Spark as the target does. Session target: a local Spark session on the same
metastore, settings taken from profiles.yml. Thrift target (a cluster behind the Spark Thrift
Server): SQL over Thrift (PyHive) to the server, and a Spark application on the cluster's master
(env SEGMART_SPARK_MASTER) for the UDF, reading and writing the tables' files by location.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

from segmart.errors import SegmartError
from segmart.layout import project_root

log = logging.getLogger(__name__)

# what the CLV step reads: the summary and the as-of date, with everything upstream of them
# selectors.yml: what the step reads, and the rest
BEFORE_STEP_SELECTOR = "spark_btyd_inputs"
AFTER_STEP_SELECTOR = "spark_after_btyd_step"
SUMMARY_VIEW = "segmart_btyd_summary"


class SparkBuildError(SegmartError, RuntimeError):
    """A Spark build step failed; the message says which and why."""

    exit_code = 1


# --- the profile ---------------------------------------------------------------------------------


def target_profile(target: str) -> dict:
    """The output `target` of profiles.yml (in DBT_PROFILES_DIR, else the project), rendered with
    env_var as dbt renders it."""
    import jinja2
    import yaml

    folder = Path(os.environ.get("DBT_PROFILES_DIR") or project_root())
    text = (folder / "profiles.yml").read_text(encoding="utf-8")

    def env_var(name, default=None):
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise SparkBuildError(f"profiles.yml: env var {name} is not set")
        return default

    profiles = yaml.safe_load(jinja2.Template(text).render(env_var=env_var))
    outputs = (profiles.get("segmart") or {}).get("outputs") or {}
    if target not in outputs:
        raise SparkBuildError(f"profiles.yml has no target {target!r} (targets: {', '.join(outputs)})")
    profile = outputs[target]
    if profile.get("type") != "spark":
        raise SparkBuildError(f"target {target!r} is {profile.get('type')}, not spark")
    return profile


def is_spark_target(target: str) -> bool:
    try:
        return target_profile(target).get("type") == "spark"
    except (SparkBuildError, OSError):
        return False


# --- talking to Spark ------------------------------------------------------------------------


class SessionSql:
    """SQL through the step's own Spark session (session targets)."""

    def __init__(self, spark):
        self.spark = spark

    def rows(self, sql: str) -> list[tuple]:
        return [tuple(row) for row in self.spark.sql(sql).collect()]


class ThriftSql:
    """SQL over Thrift to the Spark Thrift Server (thrift targets), with PyHive."""

    def __init__(self, profile: dict):
        from pyhive import hive

        from segmart.spark_cluster import fix_pyhive_empty_results

        fix_pyhive_empty_results()

        self.connection = hive.connect(
            host=profile.get("host", "localhost"),
            port=int(profile.get("port", 10000)),
            username=profile.get("user") or os.environ.get("USER") or "segmart",
            auth=profile.get("auth"),
            kerberos_service_name=profile.get("kerberos_service_name"),
            configuration=profile.get("server_side_parameters"),
        )

    def rows(self, sql: str) -> list[tuple]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
        finally:
            cursor.close()

    def close(self) -> None:
        self.connection.close()


def _python_for_executors() -> None:
    """The executors run this Python (with numpy, scipy and pandas) unless PYSPARK_PYTHON names
    the Python of a cluster's workers."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


@contextmanager
def spark_connections(profile: dict):
    """(sql, spark): SQL as the target runs it, and a Spark session for the pandas UDF."""
    from pyspark.sql import SparkSession

    method = profile.get("method")
    if method == "session":
        builder = SparkSession.builder.enableHiveSupport().appName("segmart-clv-step")
        _python_for_executors()
        for name, value in (profile.get("server_side_parameters") or {}).items():
            builder = builder.config(name, str(value))
        spark = builder.getOrCreate()
        try:
            yield SessionSql(spark), spark
        finally:
            spark.stop()
        return
    if method != "thrift":
        raise SparkBuildError(
            f"the CLV step talks to Spark through a session or thrift target, not {method!r} "
            "(on Databricks the dbt Python models fit and score)"
        )
    master = os.environ.get("SEGMART_SPARK_MASTER")
    if not master:
        raise SparkBuildError(
            "SEGMART_SPARK_MASTER is not set: the CLV step scores on the cluster's executors, so it needs "
            "the cluster's master URL (spark://host:7077, yarn, k8s://...)"
        )
    sql = ThriftSql(profile)
    builder = SparkSession.builder.master(master).appName("segmart-clv-step")
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }
    # sizes beside the Thrift server's own executors (segmart spark-cluster sets them; on a
    # company cluster spark-defaults.conf or these env vars)
    for variable, conf in [
        ("SEGMART_SPARK_DRIVER_HOST", "spark.driver.host"),
        ("SEGMART_SPARK_DRIVER_HOST", "spark.driver.bindAddress"),
        ("SEGMART_SPARK_APP_CORES", "spark.cores.max"),
        ("SEGMART_SPARK_EXECUTOR_MEMORY", "spark.executor.memory"),
    ]:
        if os.environ.get(variable):
            settings[conf] = os.environ[variable]
    _python_for_executors()
    for name, value in settings.items():
        builder = builder.config(name, value)
    spark = builder.getOrCreate()
    try:
        yield sql, spark
    finally:
        spark.stop()
        sql.close()


def _location(sql, statement: str) -> str:
    """The Location row of `describe ... extended`."""
    for row in sql.rows(statement):
        if row and str(row[0]).strip().lower() == "location":
            return str(row[1]).strip()
    raise SparkBuildError(f"no location in `{statement}`")


def _ship_clv_modules(spark) -> None:
    """segmart.clv and segmart.clv_step to the executors (a cluster's workers need not have
    segmart installed)."""
    package = Path(__file__).resolve().parent
    archive = Path(tempfile.mkdtemp(prefix="segmart-clv-")) / "segmart_clv.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for name in ("clv.py", "clv_step.py"):
            bundle.write(package / name, f"segmart/{name}")
    spark.sparkContext.addPyFile(str(archive))


# --- the step ----------------------------------------------------------------------------------


def _read_history(sql, spark, table: dict, location: str):
    """The step's history of fits (a pandas frame), or None before its first fit."""
    schema, identifier = table["schema"], table["identifier"]
    if not sql.rows(f"show tables in {schema} like '{identifier}'"):
        return None
    return spark.read.parquet(location).toPandas()


def _write(spark, frame, columns: dict, location: str) -> None:
    """A small table (the history, the fit in use) as one Parquet file at `location`, from rows
    already on the driver (so the history may be rewritten where it was read)."""
    from segmart import clv_step

    spark.createDataFrame(clv_step.records(frame, columns), clv_step.spark_schema(columns)).coalesce(1).write.mode(
        "overwrite"
    ).parquet(location)


def run_step(target: str, manifest_path: Path, full_refresh: bool = False) -> dict:
    """Fit (on the schedule) and score on Spark; returns the parameters row in use and `seconds`
    (wall time of each part). Settings (the vars) come from the manifest that the first dbt run
    wrote: the configs of the CLV models. The schedule, history and pin are DuckDB's
    (segmart.clv_step.refit_reason and select_fit): the history of fits is a table of its own
    (source segmart_clv.clv_model_parameter_history), which dbt never rebuilds; a fit is added
    only when the rule says so (full_refresh: the user asked for --full-refresh)."""
    import functools
    import time

    import pandas as pd

    from segmart import clv_step

    manifest = json.loads(Path(manifest_path).read_text())
    nodes, sources = manifest["nodes"], manifest["sources"]

    def node(name: str) -> dict:
        found = nodes.get(f"model.segmart.{name}")
        if not found:
            raise SparkBuildError(f"{manifest_path}: no model {name}")
        return found

    fit_config = node("int_clv_parameters_fitted")["config"]
    fit_settings = clv_step.FitSettings.from_config(fit_config.get)
    schedule = clv_step.Schedule.from_config(fit_config.get, full_refresh=full_refresh)
    score_settings = clv_step.ScoreSettings.from_config(node("int_customer_clv_predicted")["config"].get)
    summary = node("int_customer_btyd_summarised")["relation_name"]
    as_of_relation = node("int_as_of_date_resolved")["relation_name"]
    tables = {
        name: sources[f"source.segmart.segmart_clv.{name}"]
        for name in ("clv_model_parameter_history", "clv_model_parameters", "customer_clv_predictions")
    }
    schema = tables["clv_model_parameters"]["schema"]

    profile = target_profile(target)
    seconds = {}
    started = time.perf_counter()
    with spark_connections(profile) as (sql, spark):
        seconds["connect"] = time.perf_counter() - started
        as_of = sql.rows(f"select as_of_date from {as_of_relation}")[0][0]
        summary_location = _location(sql, f"describe table extended {summary}")
        sql.rows(f"create database if not exists {schema}")
        schema_location = _location(sql, f"describe database extended {schema}")
        spark.read.parquet(summary_location).createOrReplaceTempView(SUMMARY_VIEW)
        locations = {name: f"{schema_location.rstrip('/')}/{name}" for name in tables}
        history = clv_step.normalise_history(
            _read_history(sql, spark, tables["clv_model_parameter_history"], locations["clv_model_parameter_history"])
        )
        seconds["locate_tables"] = time.perf_counter() - started - seconds["connect"]

        collected = {"seconds": 0.0, "rows": 0}

        def query(statement: str):
            begun = time.perf_counter()
            frame = spark.sql(statement).toPandas()
            collected["seconds"] += time.perf_counter() - begun
            collected["rows"] += len(frame)
            return frame

        reason = clv_step.refit_reason(history, as_of, schedule, fit_settings)
        fitted_at = None
        begun = time.perf_counter()
        if reason is not None:
            fitted_at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("us")
            fit = clv_step.fit_parameters(query, SUMMARY_VIEW, fit_settings, as_of, reason, fitted_at)
            kept = history[history["fitted_as_of"] != fit["fitted_as_of"].iloc[0]]
            history = clv_step.normalise_history(pd.concat([kept, fit], ignore_index=True) if len(kept) else fit)
            _write(spark, history, clv_step.HISTORY_COLUMNS, locations["clv_model_parameter_history"])
        seconds["condense_and_collect"] = collected["seconds"]
        seconds["fit_on_driver"] = time.perf_counter() - begun - collected["seconds"]
        row = clv_step.select_fit(history, as_of, schedule, fit_settings, refit_fitted_at=fitted_at)
        log.info(
            "CLV fit on %s: %s, %s (%s%s)",
            target,
            f"refit ({reason})"
            if reason
            else f"{row['fit_source'].replace('_', ' ')}, fitted as of {row['fitted_as_of']}",
            row["clv_method"] if row["converged"] else f"not usable: {row['failure_reason']}",
            "no customer counts"
            if row["customer_count"] is None
            else f"{row['customer_count']:,} buyers, {row['repeat_customer_count']:,} with repeats",
            "" if row["fit_sample_fraction"] in (None, 1) else f", a {row['fit_sample_fraction']:.4g} sample",
        )
        _write(
            spark,
            clv_step.typed_frame([row], clv_step.PARAMETER_COLUMNS),
            clv_step.PARAMETER_COLUMNS,
            locations["clv_model_parameters"],
        )

        begun = time.perf_counter()
        _ship_clv_modules(spark)
        scorer = functools.partial(clv_step.score_batches, parameters=row, settings=score_settings)
        (
            spark.table(SUMMARY_VIEW)
            .select(*clv_step.SUMMARY_COLUMNS)
            .mapInPandas(scorer, clv_step.spark_schema(clv_step.PREDICTION_COLUMNS))
            .write.mode("overwrite")
            .parquet(locations["customer_clv_predictions"])
        )
        seconds["score_on_executors"] = time.perf_counter() - begun
        begun = time.perf_counter()
        for name, table in tables.items():
            relation = f"{table['schema']}.{table['identifier']}"
            # external tables over the files: dropping one never deletes them
            sql.rows(f"drop table if exists {relation}")
            sql.rows(f"create table {relation} using parquet location '{locations[name]}'")
        seconds["register_tables"] = time.perf_counter() - begun
    seconds["total"] = time.perf_counter() - started
    log.info(
        "CLV step: %s; %s condensed rows collected",
        ", ".join(f"{part} {value:.1f}s" for part, value in seconds.items()),
        f"{collected['rows']:,}",
    )
    return {**row, "refit_reason": reason, "seconds": seconds, "collected_rows": collected["rows"]}


# --- the build ---------------------------------------------------------------------------------


def _dbt_command(profile: dict) -> list[str]:
    """dbt; for thrift targets through segmart.spark_cluster, which fixes PyHive for Spark 3.5's
    empty results first."""
    if profile.get("method") == "thrift":
        return [sys.executable, "-m", "segmart.spark_cluster", "dbt"]
    dbt = Path(sys.executable).with_name("dbt")
    return [str(dbt) if dbt.exists() else "dbt"]


def _target_path(dbt_args: list[str]) -> Path:
    path = os.environ.get("DBT_TARGET_PATH") or "target"
    for index, argument in enumerate(dbt_args):
        if argument == "--target-path" and index + 1 < len(dbt_args):
            path = dbt_args[index + 1]
        elif argument.startswith("--target-path="):
            path = argument.split("=", 1)[1]
    path = Path(path)
    return path if path.is_absolute() else project_root() / path


def build(
    target: str, dbt_args: list[str] | None = None, timings: Path | None = None, until_clv_step: bool = False
) -> None:
    """dbt up to the BTYD summary, the CLV step, dbt for the rest (module docstring). timings: a
    JSON file for the CLV step's wall times; until_clv_step: stop after the step (both for
    segmart bench)."""
    dbt_args = list(dbt_args or [])
    if any(a in ("--select", "-s", "--exclude", "--selector") or a.startswith("--select=") for a in dbt_args):
        raise SparkBuildError("segmart build on Spark builds the whole project: leave out --select/--exclude")
    from segmart.build import _manifest_settings, sources_are_tables
    from segmart.layout import default_raw_dir
    from segmart.privacy import KEY_ENV, pii_key

    settings, raw = {}, None
    if not sources_are_tables(dbt_args):
        # the raw folder's currency and time zone (segmart import writes them), as on DuckDB
        raw = default_raw_dir()
        raw = raw if raw.is_absolute() else project_root() / raw
        settings = _manifest_settings(raw)
        if settings:
            log.info(
                "from the raw folder's _manifest.json: %s",
                ", ".join(f"{name}={value}" for name, value in settings.items()),
            )
    env = {
        **os.environ,
        **settings,
        # the PII key, as on DuckDB: SEGMART_PII_SALT, the public demo key on the generator's demo
        # data, else your own key (created once); Spark's SQL reads it from this env var
        KEY_ENV: pii_key(raw),
        "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(project_root())),
    }
    profile = target_profile(target)
    quiet = [] if log.isEnabledFor(logging.INFO) else ["--quiet"]
    runs = {
        "dbt, up to the BTYD summary": ["--selector", BEFORE_STEP_SELECTOR],
        "dbt, the rest": ["--selector", AFTER_STEP_SELECTOR],
    }
    first, rest = runs.items()

    def dbt(label: str, selection: list[str]) -> None:
        command = [
            *_dbt_command(profile),
            *quiet,
            "build",
            "--target",
            target,
            *selection,
            "--indirect-selection",
            "cautious",
            *dbt_args,
        ]
        log.info("%s: dbt %s", label, " ".join(command[command.index("build") :]))
        done = subprocess.run(command, check=False, cwd=project_root(), env=env)
        if done.returncode != 0:
            raise SparkBuildError(f"{label} failed (exit {done.returncode}); dbt's log says why")

    dbt(*first)
    target_dir = _target_path(dbt_args)
    manifest = target_dir / "manifest.json"
    # the next dbt run replaces run_results.json: keep this one's node times beside it
    (target_dir / "run_results.before_clv_step.json").write_bytes((target_dir / "run_results.json").read_bytes())
    log.info("CLV step: fit on the driver, score on the executors")
    # a process of its own: its Spark driver must let go of the metastore before dbt runs again
    # an explicit --full-refresh refits, as on DuckDB (macro refit_on_full_refresh)
    full_refresh = "--full-refresh" in dbt_args and not env.get("SEGMART_IMPLICIT_FULL_REFRESH")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmart.spark_build",
            "--target",
            target,
            "--manifest",
            str(manifest),
            *(["--full-refresh"] if full_refresh else []),
            *(["--timings", str(timings)] if timings else []),
        ],
        check=False,
        cwd=project_root(),
        env=env,
    )
    if done.returncode != 0:
        raise SparkBuildError(f"the CLV step failed (exit {done.returncode}); its error is above")
    if not until_clv_step:
        dbt(*rest)


def main(argv: list[str] | None = None) -> int:
    """The CLV step alone (what `build` runs between dbt's two runs)."""
    parser = argparse.ArgumentParser(prog="python -m segmart.spark_build", description=run_step.__doc__)
    parser.add_argument("--target", required=True)
    parser.add_argument("--manifest", required=True, type=Path)
    parser.add_argument("--timings", type=Path, help="also write the parts' wall times here (JSON)")
    parser.add_argument(
        "--full-refresh", action="store_true", help="refit whatever the schedule (dbt's --full-refresh)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("pyhive").setLevel(logging.WARNING)  # it logs every statement at INFO
    from segmart.clv import FitError

    try:
        done = run_step(args.target, args.manifest, full_refresh=args.full_refresh)
    except (SparkBuildError, FitError, ValueError) as exc:
        print(f"segmart: error: {exc}", file=sys.stderr)
        return 1
    if args.timings:
        args.timings.write_text(json.dumps({"seconds": done["seconds"], "collected_rows": done["collected_rows"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
