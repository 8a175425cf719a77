"""The `segmart` command: a thin layer over the modules that do the work.

Output: what a command was asked for (a summary line, a table, a report's path) goes to stdout;
progress and diagnostics go through `logging` to stderr as `segmart <command>: <message>`, at
INFO by default, DEBUG with -v/--verbose and WARNING with -q/--quiet (`setup_logging`, the one
logging setup). A user error (SegmartError) is one ERROR line and the exit code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# only the standard library and the base dependencies at import time: `segmart --help` must work
# without the extras (the commands import their modules, and check their extra, when they run)
from segmart.errors import SegmartError, require_extra
from segmart.importer import COLUMN_OPTIONS
from segmart.layout import default_raw_dir

# not __name__: run as `python -m segmart.cli` this module is __main__, outside segmart's loggers
log = logging.getLogger("segmart.cli")


def package_version() -> str:
    try:
        return version("segmart")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of at least 1: {text!r}")
    return number


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _cmd_generate(args: argparse.Namespace) -> int:
    from segmart.generate import generate

    started = time.perf_counter()
    manifest = generate(
        args.customers,
        args.seed,
        Path(args.out),
        args.start_date,
        args.end_date,
        progress=_progress_bar(),
        landing=args.landing,
        workers=args.workers,
    )
    seconds = time.perf_counter() - started
    rows = manifest["rows"]
    print(
        f"generated {rows['customers']:,} customers, {rows['orders']:,} orders, "
        f"{rows['order_items']:,} order items, {rows['customer_events']:,} events, "
        f"{rows['wallet_survey']:,} survey answers into {args.out}"
        f"{f' as new files {args.landing}' if args.landing else ''} in {seconds:.1f}s "
        f"({rows['orders'] / max(seconds, 1e-9):,.0f} orders/s)"
    )
    return 0


IMPORT_OPTIONS = [*COLUMN_OPTIONS, "date_format", "decimal_separator", "currency", "timezone", "cancelled_prefix"]


def _cmd_import(args: argparse.Namespace) -> int:
    from segmart.importer import build_mapping, format_summary, import_export

    mapping = build_mapping(args.preset, **{k: getattr(args, k) for k in IMPORT_OPTIONS})
    summary = import_export(
        Path(args.orders),
        mapping,
        Path(args.out),
        customers=[Path(p) for p in args.customers or []],
        delimiter=args.delimiter,
        landing=args.landing,
    )
    print(format_summary(summary, Path(args.orders), Path(args.out)))
    return 0


def _cmd_backfill(args: argparse.Namespace) -> int:
    from segmart.backfill import as_of_dates, backfill

    try:
        dates = as_of_dates(args.from_date, args.to_date, args.every)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    extra = {"clv_fit_failure": args.clv_fit_failure} if args.clv_fit_failure else {}
    started = time.perf_counter()
    try:
        backfill(dates, target=args.target, extra_vars=extra, restore=not args.no_restore, progress=_progress_bar())
    except RuntimeError as exc:
        log.error("%s", exc)
        return 1
    print(f"backfilled {len(dates)} as-of dates ({dates[0]} .. {dates[-1]}) in {time.perf_counter() - started:.1f}s")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from segmart.build import TARGET_PATH_VARS, build

    started = time.perf_counter()
    if args.target not in TARGET_PATH_VARS:
        from segmart import spark_build

        if not spark_build.is_spark_target(args.target):
            raise SegmartError(
                f"target {args.target!r}: not a DuckDB warehouse ({', '.join(TARGET_PATH_VARS)}) "
                "nor a spark target of profiles.yml"
            )
        spark_build.build(args.target, args.dbt_args)
        print(f"built target {args.target} on Spark in {time.perf_counter() - started:.1f}s")
        return 0
    final = build(
        args.target,
        args.dbt_args,
        publish_marts=not args.no_publish,
        sources_from_tables=True if args.sources_from_tables else None,
    )
    print(f"built {final} in {time.perf_counter() - started:.1f}s")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from segmart.rawcheck import check_raw

    rows = check_raw(Path(args.raw))
    print("raw layout ok: " + ", ".join(f"{table} {count:,}" for table, count in rows.items()))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    require_extra("validate")
    from segmart import validate
    from segmart.build import warehouse_path

    if args.init:
        count = validate.init()
        print(f"wrote {count} expectations in {len(validate.suites(validate.dbt_vars()))} suites to gx/")
        return 0
    warehouse = warehouse_path(args.target)
    if not warehouse.exists():
        raise SegmartError(f"{warehouse}: no warehouse (run make build first)")
    started = time.perf_counter()
    outcomes = validate.run(warehouse, Path(args.raw))
    failed = [o for o in outcomes if o.failures]
    for outcome in outcomes:
        status = "FAIL" if outcome.failures else "ok"
        sample = f", sampled {validate.sample_rows():,}" if outcome.sampled else ""
        print(
            f"{status:4} {outcome.dataset:36} {outcome.evaluated - len(outcome.failures):3}/{outcome.evaluated} "
            f"expectations ({outcome.rows:,} rows{sample})"
        )
        for failure in outcome.failures:
            print(f"       - {failure}")
    total = sum(o.evaluated for o in outcomes)
    bad = sum(len(o.failures) for o in outcomes)
    print(
        f"{total - bad} passed, {bad} failed: Great Expectations on {len(outcomes)} datasets in "
        f"{time.perf_counter() - started:.1f}s; Data Docs in gx/uncommitted/data_docs/local_site/index.html"
    )
    return 1 if failed else 0


def _cmd_bench(args: argparse.Namespace) -> int:
    require_extra("bench")
    from segmart.bench import bench, bench_spark, markdown, spark_markdown

    if args.spark:
        print(spark_markdown(bench_spark(args.orders, args.spark, seed=args.seed, until_clv_step=args.until_clv_step)))
        return 0
    try:
        result = bench(args.orders, runs=args.runs, seed=args.seed)
    except (ValueError, RuntimeError) as exc:
        log.error("%s", exc)
        return 1
    print(markdown(result))
    print("written to BENCHMARKS.md and .bench/results/")
    return 0


def _cmd_publish(args: argparse.Namespace) -> int:
    from segmart.build import default_publish_dir, publish, warehouse_path

    out = Path(args.out) if args.out else default_publish_dir(args.target)
    written = publish(warehouse_path(args.target), out)
    print(f"published {len(written)} marts to {out}")
    return 0


def _cmd_dashboard(args: argparse.Namespace) -> int:
    import os

    from segmart.views import Marts

    require_extra("dashboard")

    published = Path(args.published) if args.published else None
    try:
        Marts(published)  # fail here, with the fix, rather than in the browser
    except FileNotFoundError as exc:
        log.error("%s", exc)
        return 1
    env = dict(os.environ)
    if published:
        env["SEGMART_PUBLISH_DIR"] = str(published.resolve())
    app = Path(__file__).with_name("dashboard.py")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    log.info("on http://%s:%s (Ctrl+C stops it)", args.address, args.port)
    log.debug("exec %s", " ".join(command))
    # become Streamlit (no wrapper process): stopping this process stops the dashboard
    os.execve(sys.executable, command, env)
    return 0  # not reached


def _cmd_bi(args: argparse.Namespace) -> int:
    from segmart.superset import SupersetError, default_home, serve
    from segmart.views import default_published_dir

    published = Path(args.published) if args.published else default_published_dir()
    home = Path(args.home).resolve() if args.home else default_home()
    try:
        serve(home, published.resolve(), args.port)
    except SupersetError as exc:
        log.error("%s", exc)
        return 1
    return 0  # not reached: serve() becomes Superset


def _cmd_report(args: argparse.Namespace) -> int:
    require_extra("report")
    from segmart.report import write_report

    started = time.perf_counter()
    try:
        index = write_report(args.out, args.published, lang=args.lang, progress=not args.quiet)
    except FileNotFoundError as exc:
        log.error("%s", exc)
        return 1
    print(f"report written to {index} in {time.perf_counter() - started:.1f}s")
    return 0


def _cmd_spark_cluster(args: argparse.Namespace) -> int:
    import os

    from segmart.spark_cluster import Settings, run

    command = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    settings = Settings(
        workers=args.workers,
        worker_cores=args.worker_cores,
        worker_memory=args.worker_memory,
        driver_memory=os.environ.get("SEGMART_SPARK_DRIVER_MEMORY", Settings.driver_memory),
        shuffle_partitions=int(os.environ.get("SEGMART_SPARK_SHUFFLE_PARTITIONS", Settings.shuffle_partitions)),
        start_timeout=args.timeout,
    )
    spark_dir = Path(args.spark_dir or os.environ.get("SEGMART_SPARK_DIR", ".spark-work"))
    return run(command, spark_dir, settings)


def _verbosity_options(parser: argparse.ArgumentParser, default) -> None:
    """-v/--verbose and -q/--quiet (mutually exclusive). On the root parser (default False) and
    on every command (default SUPPRESS, so an option given before the command is kept)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="store_true", default=default, help="also debug lines")
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default,
        help="no progress lines or bars: results and warnings only",
    )


def _landing_option(parser: argparse.ArgumentParser) -> None:
    """--landing [NAME]: land the export as new files instead of replacing the raw folder."""
    parser.add_argument(
        "--landing",
        nargs="?",
        const=dt.date.today().isoformat(),
        metavar="NAME",
        help="land the export as new files <out>/<table>/NAME.parquet beside the earlier ones, for daily "
        "loads (NAME default: today, YYYY-MM-DD; files are read in name order, so a new name must sort "
        "after the landed ones); never replaces a file",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segmart", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    _verbosity_options(parser, False)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write realistic demo raw data (Parquet) for the warehouse")
    gen.add_argument("--customers", type=int, default=20_000, help="number of customers (about 9 orders each)")
    gen.add_argument("--seed", type=int, default=42, help="random seed: the same seed gives byte-identical files")
    gen.add_argument("--out", default=str(default_raw_dir()), help="raw folder (default: $SEGMART_RAW_DIR or data/raw)")
    gen.add_argument("--start-date", type=_date, default=dt.date(2021, 1, 1), help="first day of history")
    gen.add_argument("--end-date", type=_date, default=dt.date(2025, 12, 31), help="last day of history")
    _landing_option(gen)
    gen.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="processes generating chunks of customers (default: one per core); the files do not depend on it",
    )
    gen.set_defaults(func=_cmd_generate)

    imp = sub.add_parser("import", help="map your own orders (or order lines) export onto the raw layout")
    imp.add_argument("--orders", required=True, help="orders or order lines file: CSV or Parquet")
    imp.add_argument(
        "--preset",
        choices=["online-retail", "shopify"],
        help="column mapping of a known export (segmart/presets.py); options given override it",
    )
    imp.add_argument("--customer-col", help="column holding the customer id")
    imp.add_argument(
        "--email-col",
        help="column holding the customer's e-mail (customer id = its pseudonymous id unless --customer-col is given)",
    )
    imp.add_argument("--date-col", help="column holding the order date or timestamp")
    imp.add_argument("--amount-col", help="column holding the order amount (one row per order)")
    imp.add_argument(
        "--order-id-col",
        help="column holding the order id (default: generated from the row number, after the landed "
        "file's name with --landing; required for order lines, which it groups into orders)",
    )
    imp.add_argument("--quantity-col", help="order lines: column holding the quantity (with --unit-price-col)")
    imp.add_argument("--unit-price-col", help="order lines: column holding the unit price")
    imp.add_argument("--line-amount-col", help="order lines: column holding the line amount (no quantity)")
    imp.add_argument("--product-col", help="order lines: column holding the product id")
    imp.add_argument("--category-col", help="order lines: column holding the product category")
    imp.add_argument("--currency-col", help="column holding each order's ISO currency code")
    imp.add_argument("--discount-col", help="column holding the order's discount amount")
    imp.add_argument("--refund-col", help="column holding the amount refunded on the order (linked refund)")
    imp.add_argument("--city-col", help="column holding the customer's city")
    imp.add_argument("--cancelled-prefix", help="order ids starting with this are returns (e.g. C)")
    imp.add_argument("--currency", help="ISO code of the export's amounts (must be in seeds/currency_codes.csv)")
    imp.add_argument(
        "--timezone",
        help="the shop's IANA time zone (e.g. Europe/London): times without an offset are "
        "local there and business days are counted there (default Asia/Shanghai; "
        "required when the dates carry UTC offsets)",
    )
    imp.add_argument("--decimal-separator", choices=[".", ","], help="decimal separator of numbers (default .)")
    imp.add_argument("--date-format", help="strptime format of the date column (default: ISO 8601)")
    imp.add_argument(
        "--customers",
        nargs="*",
        help="customer attribute files (CSV or Parquet) whose columns use the raw layout's names",
    )
    imp.add_argument("--delimiter", default=",", help="CSV delimiter (default: ,)")
    imp.add_argument(
        "--out",
        default=str(default_raw_dir()),
        help="raw folder (default: $SEGMART_RAW_DIR or data/raw); replaced only if segmart wrote it",
    )
    _landing_option(imp)
    imp.set_defaults(func=_cmd_import)

    bld = sub.add_parser("build", help="crash-safe dbt build: build a copy, then swap it in and publish the marts")
    bld.add_argument(
        "--target",
        default="dev",
        help="dbt target (default dev): dev or ci (DuckDB files), or a spark target of profiles.yml "
        "(spark, spark_cluster: dbt up to the BTYD summary, the CLV fit and scoring, dbt for the rest)",
    )
    bld.add_argument("--no-publish", action="store_true", help="do not write the Parquet marts")
    bld.add_argument(
        "--sources-from-tables",
        action="store_true",
        help="the raw data are tables in the warehouse (dbt var segmart_raw_schema; detected in "
        "--vars and dbt_project.yml): no raw-folder check, always a full refresh",
    )
    bld.add_argument("dbt_args", nargs="*", help="extra arguments for dbt build (after --)")
    bld.set_defaults(func=_cmd_build)

    chk = sub.add_parser("check", help="check a raw folder's files (present, readable, raw layout) before a build")
    chk.add_argument("--raw", default=str(default_raw_dir()), help="raw folder (default: $SEGMART_RAW_DIR or data/raw)")
    chk.set_defaults(func=_cmd_check)

    val = sub.add_parser(
        "validate",
        help="Great Expectations on the raw files (and the segment dimensions of the summaries), with Data Docs",
    )
    val.add_argument("--target", default="dev", choices=["dev", "ci"], help="which warehouse (default dev)")
    val.add_argument("--raw", default=str(default_raw_dir()), help="raw folder (default: $SEGMART_RAW_DIR or data/raw)")
    val.add_argument(
        "--init", action="store_true", help="(re)write the suites and checkpoints in gx/ from segmart/validate.py"
    )
    val.set_defaults(func=_cmd_validate)

    ben = sub.add_parser("bench", help="benchmark dbt against a hand-written SQL floor and the pandas path")
    ben.add_argument("--orders", default="1M", help="scale: 1M, 10M, 100M or a number of orders")
    ben.add_argument("--runs", type=int, default=3, help="runs to take the median of (default 3)")
    ben.add_argument("--seed", type=int, default=42, help="data seed (data are cached per scale and seed)")
    ben.add_argument(
        "--spark",
        metavar="TARGET",
        help="instead: one `segmart build` on this Spark target (spark, spark_cluster) with node and CLV step "
        "times, beside DuckDB's CLV models on the same data",
    )
    ben.add_argument(
        "--until-clv-step",
        action="store_true",
        help="with --spark: stop after the CLV step (its fit and scoring times)",
    )
    ben.set_defaults(func=_cmd_bench)

    pub = sub.add_parser("publish", help="write every mart to Parquet (atomic per file)")
    pub.add_argument("--target", default="dev", choices=["dev", "ci"], help="which warehouse (default dev)")
    pub.add_argument("--out", help="folder (default: $SEGMART_PUBLISH_DIR or published/)")
    pub.set_defaults(func=_cmd_publish)

    dash = sub.add_parser("dashboard", help="serve the segment dashboard (Streamlit) over the published marts")
    dash.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    dash.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to serve on (default 127.0.0.1: this machine only; 0.0.0.0 for every interface)",
    )
    dash.add_argument("--published", help="folder of published marts (default: $SEGMART_PUBLISH_DIR or published/)")
    dash.set_defaults(func=_cmd_dashboard)

    bi = sub.add_parser(
        "bi", help="serve Apache Superset on 127.0.0.1 with segmart's dashboards over the published marts"
    )
    bi.add_argument("--port", type=int, default=8088, help="port (default 8088)")
    bi.add_argument("--published", help="folder of published marts (default: $SEGMART_PUBLISH_DIR or published/)")
    bi.add_argument("--home", help="Superset's work folder (default: $SEGMART_SUPERSET_HOME or .superset/)")
    bi.set_defaults(func=_cmd_bi)

    rep = sub.add_parser("report", help="write a static HTML report with PNG charts of the dashboard's views")
    rep.add_argument("--out", required=True, help="folder for index.html and the PNG charts")
    rep.add_argument("--published", help="folder of published marts (default: $SEGMART_PUBLISH_DIR or published/)")
    rep.add_argument("--lang", choices=["en", "zh"], default="en", help="labels and captions (default en)")
    rep.set_defaults(func=_cmd_report)

    back = sub.add_parser("backfill", help="replay past as-of dates into customer_segment_history")
    back.add_argument("--from", dest="from_date", type=_date, required=True, help="first as-of date")
    back.add_argument("--to", dest="to_date", type=_date, required=True, help="last as-of date")
    back.add_argument("--every", choices=["day", "week", "month"], default="month", help="step between dates")
    back.add_argument("--target", help="dbt target (default: the profile's, dev)")
    back.add_argument(
        "--clv-fit-failure",
        choices=["error", "warn"],
        help="override the var clv_fit_failure (early dates may have too little history to fit)",
    )
    back.add_argument(
        "--no-restore", action="store_true", help="do not rebuild the marts for the current as-of date afterwards"
    )
    back.set_defaults(func=_cmd_backfill)

    clu = sub.add_parser(
        "spark-cluster",
        help="run a command against a Spark standalone cluster on this machine (master, workers, Thrift server)",
        description="Start a Spark standalone master, N workers and the Spark Thrift Server on 127.0.0.1 (free "
        "ports), run CMD with SEGMART_SPARK_MASTER, SEGMART_SPARK_THRIFT_HOST, SEGMART_SPARK_THRIFT_PORT and "
        "SEGMART_SPARK_DIR set (dbt target spark_cluster), then stop them all. Exit code: CMD's.",
    )
    clu.add_argument("--workers", type=int, default=2, help="workers (default 2), one executor each")
    clu.add_argument("--worker-cores", type=int, default=1, help="cores per worker (default 1)")
    clu.add_argument("--worker-memory", default="1g", help="memory per worker and executor (default 1g)")
    clu.add_argument(
        "--spark-dir",
        help="warehouse, metastore and logs/ (default: $SEGMART_SPARK_DIR or .spark-work); the Thrift server's "
        "driver memory is $SEGMART_SPARK_DRIVER_MEMORY (default 2g)",
    )
    clu.add_argument("--timeout", type=float, default=180.0, help="seconds each daemon may take to start (180)")
    clu.add_argument("cmd", nargs=argparse.REMAINDER, help="the command to run, after --")
    clu.set_defaults(func=_cmd_spark_cluster)

    for command in sub.choices.values():  # `segmart generate -q` as well as `segmart -q generate`
        _verbosity_options(command, argparse.SUPPRESS)
    return parser


class _Formatter(logging.Formatter):
    """`segmart <command>: <message>` for segmart's own records (`segmart <command>: debug: ...`
    at DEBUG), `<logger>: <message>` for other libraries' (warnings only); continuation lines of
    a message are left as they are."""

    def __init__(self, command: str):
        super().__init__()
        self.command = command

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.levelno == logging.DEBUG:
            text = f"debug: {text}"
        own = record.name == "segmart" or record.name.startswith("segmart.")
        return f"segmart {self.command}: {text}" if own else f"{record.name}: {text}"


_handler: logging.Handler | None = None


def setup_logging(command: str, verbose: bool = False, quiet: bool = False) -> int:
    """The one logging setup: segmart's loggers at INFO, DEBUG (verbose) or WARNING (quiet), other
    libraries' at WARNING, all to stderr through one handler. Returns segmart's level."""
    global _handler
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    root = logging.getLogger()
    if _handler is not None:  # main() run again in one process (tests)
        root.removeHandler(_handler)
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(_Formatter(command))
    root.addHandler(_handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("segmart").setLevel(level)
    return level


def _progress_bar() -> bool | None:
    """A module's progress bar (tqdm): automatic (on a terminal) at INFO; none with -q, nor with
    -v, where debug lines report the progress instead."""
    return None if logging.getLogger("segmart").getEffectiveLevel() == logging.INFO else False


def main(argv: list[str] | None = None) -> int:
    """Run a command; a user error (SegmartError) is one line, `segmart <command>: <message>`, on
    stderr and exit code 2 (1 for a failed build)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose and args.quiet:
        parser.error("-v/--verbose and -q/--quiet exclude each other")
    setup_logging(args.command, args.verbose, args.quiet)
    options = {name: value for name, value in vars(args).items() if name != "func"}
    log.debug("version %s, Python %s, %s", package_version(), sys.version.split()[0], options)
    try:
        return args.func(args)
    except SegmartError as exc:
        log.error("%s", exc)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
