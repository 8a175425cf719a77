"""`segmart validate`: Great Expectations checks of the raw files, with Data Docs.

dbt's data tests guard the models (staging, intermediate and marts: keys, accepted values from
the seeds, bounds from the vars). What dbt cannot show is the raw files as delivered, before
staging parses and quarantines them: their columns, and the share of rows with a key, a number
where a number belongs, a known event type. Those are the expectations here, one suite per raw
Parquet file, with Data Docs that show them table by table. Every accepted value and threshold
is read from the seeds and dbt_project.yml's vars, never restated here.

The GX 1.x file context lives in gx/ (committed): one expectation suite, validation definition
and checkpoint per dataset, all over one pandas datasource. `segmart validate --init` (re)writes
them from `suites()` (and removes those of datasets no longer defined); `segmart validate` stops
when gx/ no longer matches `suites()` (a seed or var changed since), then runs every checkpoint
against the raw folder (and the built warehouse, opened read-only: GX's SQL datasource does not
work on DuckDB; its pandas datasource over a read-only query does), samples files larger than
SEGMART_GX_SAMPLE_ROWS with a fixed seed so validation stays cheap at 10M orders, builds Data
Docs into gx/uncommitted/data_docs (ignored), prints a summary and fails when any expectation
fails.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import duckdb

from segmart.errors import SegmartError
from segmart.layout import RAW_COLUMNS, dbt_vars, project_root, raw_table_files, segment_dimensions

DATASOURCE = "segmart"
BATCH = "whole"
SAMPLE_SEED = 42

log = logging.getLogger(__name__)


def seed_column(seed: str, column: str) -> list[str]:
    """One column of seeds/<seed>.csv, in file order."""
    with open(project_root() / "seeds" / f"{seed}.csv", encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def sample_rows() -> int:
    return int(os.environ.get("SEGMART_GX_SAMPLE_ROWS", "200000"))


@dataclass
class Dataset:
    name: str
    query: str  # {raw:<table>} reads a raw table's file(s); tables are read from the warehouse
    sampled: bool = True


def datasets() -> list[Dataset]:
    raw = [Dataset(f"raw_{table}", f"select * from {{raw:{table}}}") for table in RAW_COLUMNS]
    # the segment dimension list, which the marts' dbt tests do not check
    marts = [
        Dataset(name, f"select segment_dimension from marts.{name}")
        for name in ["segment_summary", "segment_migrations"]
    ]
    return raw + marts


def suites(v: dict) -> dict[str, list]:
    """Expectations per dataset: thresholds from the dbt vars `v`, accepted values from the seeds."""
    import great_expectations.expectations as gxe

    def not_null(column, mostly=1.0):
        return gxe.ExpectColumnValuesToNotBeNull(column=column, mostly=mostly)

    def in_set(column, values, mostly=1.0):
        return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values), mostly=mostly)

    def columns(names):
        return gxe.ExpectTableColumnsToMatchOrderedList(column_list=list(names))

    def rows(low=1, high=None):
        return gxe.ExpectTableRowCountToBeBetween(min_value=low, max_value=high)

    def number(column, mostly):
        return gxe.ExpectColumnValuesToMatchRegex(column=column, regex=r"^-?\d+(\.\d+)?$", mostly=mostly)

    # the share of raw rows that must be usable: staging may quarantine at most max_quarantine_rate
    clean = 1 - v["max_quarantine_rate"]
    return {
        "raw_customers": [
            columns(RAW_COLUMNS["customers"]),
            rows(),
            not_null("customer_id", clean),
            gxe.ExpectColumnValuesToBeUnique(column="customer_id", mostly=clean),
        ],
        "raw_orders": [
            columns(RAW_COLUMNS["orders"]),
            rows(),
            not_null("order_id", clean),
            not_null("customer_id", clean),
            gxe.ExpectColumnValuesToBeUnique(column="order_id", mostly=clean),
            number("gross_amount", clean),
        ],
        "raw_order_items": [
            columns(RAW_COLUMNS["order_items"]),
            rows(),
            not_null("order_id", clean),
            number("unit_price", clean),
        ],
        "raw_wallet_survey": [
            columns(RAW_COLUMNS["wallet_survey"]),
            not_null("customer_id", clean),
            number("stated_annual_spend", clean),
        ],
        "raw_customer_events": [
            columns(RAW_COLUMNS["customer_events"]),
            not_null("customer_id", clean),
            in_set("event_type", seed_column("event_types", "event_type"), clean),
        ],
        # every segment dimension (var segment_dimensions) summarised, and no other
        "segment_summary": [
            gxe.ExpectColumnDistinctValuesToEqualSet(column="segment_dimension", value_set=segment_dimensions())
        ],
        # migrations of those dimensions only (empty until the history holds two as-of dates)
        "segment_migrations": [in_set("segment_dimension", segment_dimensions())],
    }


def _quiet():
    warnings.filterwarnings("ignore")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def context(root: Path | None = None):
    _quiet()
    import great_expectations as gx

    return gx.get_context(mode="file", project_root_dir=str(root or project_root()))


def init(root: Path | None = None) -> int:
    """(Re)write the suites, validation definitions and checkpoints in gx/ from `suites()`, and
    remove those of datasets `suites()` no longer has. Returns the number of expectations."""
    import great_expectations as gx

    ctx = context(root)
    wanted = suites(dbt_vars())
    for store in (ctx.checkpoints, ctx.validation_definitions, ctx.suites):
        for item in store.all():
            if item.name not in wanted:
                log.info("removing %s %s from gx/", type(item).__name__, item.name)
                store.delete(name=item.name)
    source = ctx.data_sources.add_or_update_pandas(name=DATASOURCE)
    count = 0
    for name, expectations in wanted.items():
        asset = source.add_dataframe_asset(name=name)
        batch = asset.add_batch_definition_whole_dataframe(BATCH)
        suite = gx.ExpectationSuite(name=name)
        for expectation in expectations:
            suite.add_expectation(expectation)
            count += 1
        suite = ctx.suites.add_or_update(suite)
        definition = ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        ctx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
            )
        )
    return count


@dataclass
class Outcome:
    dataset: str
    rows: int
    sampled: bool
    evaluated: int
    failures: list[str]


def _raw_read(raw_dir: Path, table: str) -> str:
    """A raw table's file, or its landed files, as DuckDB's read_parquet."""
    paths = ", ".join("'" + str(path).replace("'", "''") + "'" for path in raw_table_files(raw_dir, table))
    return f"read_parquet([{paths}], union_by_name = true)"


def _frame(con, dataset: Dataset, raw_dir: Path):
    query = re.sub(r"\{raw:(\w+)\}", lambda m: _raw_read(raw_dir, m.group(1)), dataset.query)
    total = con.execute(f"select count(*) from ({query})").fetchall()[0][0]
    limit = sample_rows()
    if dataset.sampled and total > limit:
        query = f"select * from ({query}) using sample reservoir({limit} rows) repeatable ({SAMPLE_SEED})"
    return con.execute(query).df(), total, dataset.sampled and total > limit


def _signature(expectations) -> list[tuple[str, dict]]:
    return [(e.expectation_type, dict(e.configuration.kwargs)) for e in expectations]


def stale_suites(ctx) -> list[str]:
    """Datasets whose suite in gx/ differs from `suites()` (or is missing): a seed or var changed
    since `segmart validate --init`."""
    stored = {suite.name: suite for suite in ctx.suites.all()}
    return [
        name
        for name, expectations in suites(dbt_vars()).items()
        if name not in stored or _signature(stored[name].expectations) != _signature(expectations)
    ]


def run(warehouse: Path, raw_dir: Path, root: Path | None = None) -> list[Outcome]:
    ctx = context(root)
    stale = stale_suites(ctx)
    if stale:
        raise SegmartError(
            f"the suites in gx/ differ from segmart/validate.py's, which read the seeds and vars: {', '.join(stale)}; "
            "run `segmart validate --init` and commit gx/"
        )
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX's per-batch "Calculating Metrics" bars: noise beside the summary (this run only, not saved)
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    con = duckdb.connect(str(warehouse), read_only=True)
    outcomes = []
    try:
        for dataset in datasets():
            frame, total, sampled = _frame(con, dataset, raw_dir)
            log.debug("%s: %s rows%s", dataset.name, f"{total:,}", f", sampled {len(frame):,}" if sampled else "")
            result = ctx.checkpoints.get(dataset.name).run(batch_parameters={"dataframe": frame})
            evaluated, failures = 0, []
            for run_result in result.run_results.values():
                for item in run_result.results:
                    evaluated += 1
                    if not item.success:
                        config = item.expectation_config
                        column = config.kwargs.get("column", "")
                        unexpected = (item.result or {}).get("unexpected_count")
                        failures.append(
                            f"{config.type}({column})" + (f": {unexpected} unexpected" if unexpected else "")
                        )
            outcomes.append(Outcome(dataset.name, total, sampled, evaluated, failures))
    finally:
        con.close()
    return outcomes
