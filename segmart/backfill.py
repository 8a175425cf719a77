"""`segmart backfill`: replay the warehouse at past as-of dates to fill customer_segment_history.

For each date the models up to customer_segment_history are rebuilt with the var as_of_date, and
the incremental history replaces the rows of that date only. Afterwards the marts are rebuilt
for the current as-of date (unless restore=False), so the warehouse is left as a normal build
leaves it, with segment_migrations between every pair of consecutive dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
from collections.abc import Iterator

from tqdm import tqdm

HISTORY_SELECTOR = "history"  # selectors.yml: customer_segment_history and its parents

log = logging.getLogger(__name__)


def as_of_dates(start: dt.date, end: dt.date, every: str) -> list[dt.date]:
    """Dates from start to end (inclusive) every day, week or month. Monthly steps keep the day
    of the month, and month ends stay month ends (31 Jan → 29 Feb → 31 Mar)."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    return list(_steps(start, end, every))


def _steps(start: dt.date, end: dt.date, every: str) -> Iterator[dt.date]:
    if every in ("day", "week"):
        step = dt.timedelta(days=1 if every == "day" else 7)
        current = start
        while current <= end:
            yield current
            current += step
        return
    if every != "month":
        raise ValueError(f"--every must be day, week or month, not {every!r}")
    month_end = start.day == calendar.monthrange(start.year, start.month)[1]
    index = 0
    while True:
        year, month = divmod(start.month - 1 + index, 12)
        year, month = start.year + year, month + 1
        last = calendar.monthrange(year, month)[1]
        current = dt.date(year, month, last if month_end else min(start.day, last))
        if current > end:
            return
        yield current
        index += 1


def run_dbt(args: list[str]) -> None:
    from dbt.cli.main import dbtRunner

    log.debug("dbt %s", " ".join(args))
    result = dbtRunner().invoke(args)
    if not result.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed" + (f": {result.exception}" if result.exception else ""))


def backfill(
    dates: list[dt.date],
    target: str | None = None,
    extra_vars: dict | None = None,
    restore: bool = True,
    progress: bool | None = None,
) -> None:
    common = ["--target", target] if target else []
    log.info("%d as-of date(s), %s to %s", len(dates), dates[0], dates[-1])
    run_dbt(["seed", "--quiet", *common])  # lookups first: a fresh warehouse has none
    for as_of in tqdm(dates, desc="backfill", unit="date", disable=None if progress is None else not progress):
        variables = {**(extra_vars or {}), "as_of_date": as_of.isoformat()}
        run_dbt(["run", "--quiet", "--selector", HISTORY_SELECTOR, "--vars", json.dumps(variables), *common])
    if restore:
        log.info("rebuilding the marts for the current as-of date")
        variables = json.dumps(extra_vars or {})
        run_dbt(["build", "--quiet", "--vars", variables, *common])
