"""segmart bench's bookkeeping (the measurements themselves run in `segmart bench`, never as tests)."""

from __future__ import annotations

import pytest

from segmart import bench


def test_scale_presets_and_numbers():
    assert bench.parse_orders("10m") == ("10M", 10_000_000)
    assert bench.parse_orders("250000") == ("250,000", 250_000)
    with pytest.raises(ValueError):
        bench.parse_orders("lots")


def _run(models, tests, baseline, pandas, btyd):
    step = lambda wall: {"wall_s": wall, "cpu_s": wall * 1.5, "peak_rss_mb": 100.0}  # noqa: E731
    return {
        "dbt_models": step(models),
        "dbt_tests": step(tests),
        "baseline": step(baseline),
        "pandas_lifetimes": step(pandas),
        "nodes": {"int_customer_days_collapsed": btyd / 2, "int_customer_btyd_summarised": btyd / 2, "x": 9.0},
    }


def test_medians_ratios_and_report_section(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "_manifest.json").write_text('{"rows": {"orders": 1000, "customers": 100}}')
    runs = [_run(30, 12, 10, 40, 2), _run(20, 10, 10, 60, 4), _run(25, 50, 5, 50, 2)]
    result = bench.summarise("1M", 1000, raw, runs)
    assert result["medians"]["dbt_models"]["wall_s"] == 25
    assert result["ratios"]["dbt_models_over_baseline"] == pytest.approx(2.5)
    assert result["ratios"]["dbt_tests_over_models"] == pytest.approx(12 / 25)
    assert result["ratios"]["pandas_over_warehouse_btyd"] == pytest.approx(50 / 2)
    assert result["slowest_nodes"][0] == ("x", 9.0)
    monkeypatch.setattr(bench, "project_root", lambda: tmp_path)
    path = bench.write_report(result)
    first = path.read_text()
    assert "**2.50×**" in first and "**25.0×** faster" in first
    bench.write_report(result)  # the section is replaced, not appended
    assert path.read_text().count("<!-- bench:1M -->") == 1


def test_baseline_sql_is_filled_from_the_dbt_vars():
    sql = (bench.project_root() / "bench" / "baseline.sql").read_text()
    for name, value in bench.baseline_parameters("/raw").items():
        sql = sql.replace("{" + name + "}", str(value))
    assert "{" not in sql.split("\n", 5)[-1]  # nothing left unfilled below the header comment
    assert "quantile_cont(spend_12_months, 0.9)" in sql and "< 0.2 then 'iron'" in sql


def test_incremental_ratios(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "_manifest.json").write_text('{"rows": {"orders": 1000, "customers": 100}}')
    runs = []
    for models, incremental, order_full, order_incremental in [(20, 4, 10, 1), (40, 6, 12, 3), (30, 5, 8, 2)]:
        run = _run(models, 10, 10, 40, 2)
        run["dbt_incremental"] = {"wall_s": incremental, "cpu_s": incremental, "peak_rss_mb": 50.0}
        # the order-grained models: two of them, the rest of the nodes do not count
        run["nodes"].update({"base_raw__orders": order_full / 2, "int_orders_netted": order_full / 2})
        run["incremental_nodes"] = {"base_raw__orders": order_incremental, "int_orders_netted": 0.0, "x": 7.0}
        runs.append(run)
    result = bench.summarise("1M", 1000, raw, runs)
    assert result["ratios"]["incremental_over_models"] == pytest.approx(5 / 30)
    # full: the two above + int_customer_days_collapsed (1 s, from _run) = 11, 13, 9 s; incremental
    # 1, 3, 2 s (x is not order-grained): 1/11, 3/13, 2/9 → median 2/9
    assert result["ratios"]["incremental_order_models_over_full"] == pytest.approx(2 / 9)
    assert "**0.17×** the full build" in bench.markdown(result)
