"""Engine parity: the same dbt project built on DuckDB and on Spark must give the same marts.

A helper of the tests (tests_py/test_spark_parity.py), not part of the segmart package.

`compare_tables` compares two pandas frames of one relation row by row: the same columns, the
same keys (each row matched by the key columns), numbers equal within a relative tolerance
(1e-9 by default; engines may add floating-point terms in a different order), everything else
(text, labels, dates, booleans) exactly equal, and NULL where the other is NULL. It returns the
differences as readable lines (at most a few examples per column), empty when the tables agree.

`read_spark_tables` reads relations from what a Spark build wrote, two ways:
- on a cluster (`make test-spark`: SEGMART_SPARK_THRIFT_HOST/PORT set by `segmart spark-cluster`,
  target spark_cluster): through that cluster's Thrift server with PyHive, over the wire as any
  cluster user reads, while the server runs. It owns the Derby metastore (one JVM at a time), so
  no second Spark could open it then; and a company's cluster offers no metastore files at all.
- otherwise (`make test-spark-session`, target spark): a local Spark session on the metastore
  and warehouse under SEGMART_SPARK_DIR (default .spark-work) that the session build wrote.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
from pathlib import Path

import numpy as np
import pandas as pd

EXAMPLES = 3


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Engine-neutral values: decimals as floats, dates and timestamps as Timestamps, NULLs as None."""
    out: dict[str, pd.Series] = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            out[name] = column.astype("float64") if not pd.api.types.is_bool_dtype(column) else column.astype("object")
            continue
        if pd.api.types.is_datetime64_any_dtype(column):
            out[name] = pd.to_datetime(column).dt.tz_localize(None) if getattr(column.dt, "tz", None) else column
            continue
        values = column.astype("object")
        sample = next((v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))), None)
        if (
            isinstance(sample, decimal.Decimal)
            or isinstance(sample, (int, float, np.integer, np.floating))
            and not isinstance(sample, bool)
        ):
            out[name] = pd.to_numeric(values, errors="raise").astype("float64")
        elif isinstance(sample, (dt.date, dt.datetime, pd.Timestamp)):
            out[name] = pd.to_datetime(values)
        else:
            out[name] = values.where(values.notna(), None)
    return pd.DataFrame(out, index=frame.index)


def compare_tables(
    name: str,
    left: pd.DataFrame,
    right: pd.DataFrame,
    key: list[str],
    rtol: float = 1e-9,
    ignore: tuple[str, ...] = (),
    labels=("duckdb", "spark"),
) -> list[str]:
    """Differences between left and right (one relation on two engines), matched on key."""
    problems: list[str] = []
    left_columns = [c for c in left.columns if c not in ignore]
    right_columns = [c for c in right.columns if c not in ignore]
    if set(left_columns) != set(right_columns):
        only_left = sorted(set(left_columns) - set(right_columns))
        only_right = sorted(set(right_columns) - set(left_columns))
        problems.append(f"{name}: columns differ: only on {labels[0]} {only_left}, only on {labels[1]} {only_right}")
        return problems
    a = _normalised(left[left_columns]).sort_values(key, kind="stable").reset_index(drop=True)
    b = _normalised(right[left_columns]).sort_values(key, kind="stable").reset_index(drop=True)
    if a[key].duplicated().any():
        problems.append(f"{name}: key {key} is not unique on {labels[0]}")
        return problems
    if len(a) != len(b):
        problems.append(f"{name}: {len(a)} rows on {labels[0]}, {len(b)} on {labels[1]}")
    merged = a.merge(b, on=key, how="outer", suffixes=("__a", "__b"), indicator=True)
    missing = merged[merged["_merge"] != "both"]
    if len(missing):
        examples = missing[key + ["_merge"]].head(EXAMPLES).to_dict("records")
        problems.append(f"{name}: {len(missing)} keys on one engine only, e.g. {examples}")
    both = merged[merged["_merge"] == "both"]
    for column in left_columns:
        if column in key:
            continue
        x, y = both[f"{column}__a"], both[f"{column}__b"]
        x_null, y_null = x.isna(), y.isna()
        if pd.api.types.is_float_dtype(x) and pd.api.types.is_float_dtype(y):
            xv, yv = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
            scale = np.maximum(np.abs(xv), np.abs(yv))
            close = np.abs(xv - yv) <= rtol * np.where(scale > 0, scale, 1.0)
            differs = (x_null != y_null) | (~x_null & ~y_null & ~close)
        else:
            differs = (x_null != y_null) | (~x_null & ~y_null & (x.astype(str) != y.astype(str)))
        if differs.any():
            rows = both.loc[differs, key + [f"{column}__a", f"{column}__b"]].head(EXAMPLES)
            examples = [
                f"{tuple(r[k] for k in key)}: {r[f'{column}__a']!r} vs {r[f'{column}__b']!r}"
                for _, r in rows.iterrows()
            ]
            problems.append(f"{name}.{column}: {int(differs.sum())} rows differ, e.g. " + "; ".join(examples))
    return problems


def spark_session(spark_dir: str | os.PathLike | None = None):
    """A local Spark session on the metastore and warehouse that the dbt target spark uses."""
    from pyspark.sql import SparkSession

    base = Path(spark_dir or os.environ.get("SEGMART_SPARK_DIR", ".spark-work")).resolve()
    return (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(base / "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={base / 'metastore_db'};create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={base}")
        .enableHiveSupport()
        .getOrCreate()
    )


def on_cluster() -> bool:
    """True inside `segmart spark-cluster`: the Spark side is read through its Thrift server."""
    return bool(os.environ.get("SEGMART_SPARK_THRIFT_PORT"))


def thrift_connection():
    """A PyHive connection to the Thrift server of SEGMART_SPARK_THRIFT_HOST/PORT, with the
    settings that change results as this session's confs (as the spark_cluster target sends)."""
    from pyhive import hive

    from segmart.spark_cluster import SQL_CONFS, fix_pyhive_empty_results

    fix_pyhive_empty_results()  # an empty relation is a result without columns on Spark 3.5
    return hive.connect(
        host=os.environ.get("SEGMART_SPARK_THRIFT_HOST", "127.0.0.1"),
        port=int(os.environ["SEGMART_SPARK_THRIFT_PORT"]),
        username=os.environ.get("SEGMART_SPARK_USER", "segmart"),
        configuration={f"set:hiveconf:{key}": value for key, value in SQL_CONFS.items()},
    )


def _thrift_frame(cursor, relation: str) -> pd.DataFrame:
    """One relation through a PyHive cursor. PyHive gives decimals as Decimal and timestamps as
    datetimes; dates come as ISO text and become dates here (types from the result's schema)."""
    cursor.execute(f"select * from {relation}")
    names = [column[0] for column in cursor.description]
    types = [column[1] for column in cursor.description]
    rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    data = {}
    for name, kind, values in zip(names, types, columns, strict=True):
        if kind == "DATE_TYPE":
            values = [None if v is None else dt.date.fromisoformat(v) for v in values]
        data[name] = pd.Series(list(values), dtype="object")
    return pd.DataFrame(data, columns=names)


def spark_build_exists(spark_dir=None) -> bool:
    """A Spark build to compare with: the marts schema on the cluster, or a local metastore."""
    if on_cluster():
        connection = thrift_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("show schemas")
            return "marts" in {row[0] for row in cursor.fetchall()}
        finally:
            connection.close()
    base = Path(spark_dir or os.environ.get("SEGMART_SPARK_DIR", ".spark-work"))
    return (base / "metastore_db").exists()


def read_spark_tables(relations: list[str], spark_dir=None) -> dict[str, pd.DataFrame]:
    """schema.table → pandas frame, read through Spark (dates as dates, decimals as Decimal):
    through the cluster's Thrift server when on_cluster(), else a local session on spark_dir."""
    if on_cluster():
        connection = thrift_connection()
        try:
            cursor = connection.cursor()
            cursor.arraysize = 10_000  # rows per fetch round trip
            return {relation: _thrift_frame(cursor, relation) for relation in relations}
        finally:
            connection.close()
    spark = spark_session(spark_dir)
    try:
        return {relation: spark.table(relation).toPandas() for relation in relations}
    finally:
        spark.stop()
