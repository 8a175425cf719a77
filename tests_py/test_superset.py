"""Apache Superset (`segmart bi`, its own venv) imports the dashboards shipped under
bi/superset/bundle into a fresh instance, serves them on 127.0.0.1, and headless Chromium shows
every chart with data; three numbers on the page equal the marts' (pandas on the published
Parquet files). Every process the test starts is stopped, also when it fails.

Run by `make test-bi` (part of `make test`): pytest -m bi."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from helpers import PROJECT, free_port, group_alive, stop_group

from segmart import superset

pytestmark = pytest.mark.bi

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT = PROJECT / ".ci-work" / "superset.png"
CHARTS = 11

# the state of every chart on a Superset dashboard: each chart's grid component, and inside its
# slice container what it shows: a spinner, an error, an empty result, or data (a big number's
# text, an ECharts canvas, table rows)
CHART_STATES = r"""
const rules = [
  ['loading', 'chart', '.loading'],
  ['error', 'chart', '.ant-alert-error'], ['error', 'chart', '[role="alert"]'],
  ['empty', 'slice', '.ant-empty'],
  ['rendered', 'slice', '.header-line'],
  ['rendered', 'slice', '[_echarts_instance_] canvas'],
  ['rendered', 'slice', 'table tbody tr'],
];
return [...document.querySelectorAll('[data-test="chart-grid-component"][data-test-chart-id]')].map(el => {
  const slice = el.querySelector('[data-test="slice-container"]');
  let state = 'pending', value = null;
  for (const [name, where, selector] of rules) {
    const hit = (where === 'slice' ? slice : el) && (where === 'slice' ? slice : el).querySelector(selector);
    if (hit) { state = name; if (selector === '.header-line') value = hit.innerText.trim(); break; }
  }
  return {name: el.getAttribute('data-test-chart-name'), viz: el.getAttribute('data-test-viz-type'), state, value,
          text: state === 'error' || state === 'empty' ? (slice || el).innerText.slice(0, 300) : null};
});
"""


@pytest.fixture(scope="module")
def server(two_date_marts, tmp_path_factory):
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            pytest.fail(f"{path} is missing: run `make setup-browser` (Debian packages chromium, chromium-driver)")
    home = tmp_path_factory.mktemp("superset")  # a fresh instance: new metadata database
    timings = {}
    started = time.perf_counter()
    bin_dir = superset.install(PROJECT / ".superset" / "venv")
    timings["install_s"] = time.perf_counter() - started
    started = time.perf_counter()
    superset.initialise(home, bin_dir)
    timings["initialise_s"] = time.perf_counter() - started
    started = time.perf_counter()
    superset.import_dashboards(home, bin_dir, two_date_marts["published"])
    timings["import_s"] = time.perf_counter() - started
    port = free_port()
    log = open(home / "server.log", "w")
    process = subprocess.Popen(
        superset.serve_command(bin_dir, port),
        env=superset.environment(home, bin_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopped together below
    )
    try:
        started = time.perf_counter()
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.time() > deadline:
                pytest.fail(f"Superset did not start: {(home / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
        timings["serve_s"] = time.perf_counter() - started
        yield {
            "url": f"http://127.0.0.1:{port}",
            "password": superset.admin_password(home),
            "published": two_date_marts["published"],
            "timings": timings,
            "pid": process.pid,
        }
    finally:
        stop_group(process)
        log.close()
        assert not group_alive(process.pid), "a Superset process outlived the test"


@pytest.fixture(scope="module")
def browser(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1600,2800")
    service = Service(CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.get(f"{server['url']}/login/")
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.ID, "username"))
        driver.find_element(By.ID, "username").send_keys(superset.ADMIN)
        driver.find_element(By.ID, "password").send_keys(server["password"])
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, 60).until(lambda d: "/login" not in d.current_url)
        yield driver
    finally:
        driver.quit()
        chromedriver = service.process
        assert chromedriver is None or chromedriver.poll() is not None, "chromedriver outlived the test"


def _open(browser, url: str, slug: str, timeout: float = 120) -> tuple[list[dict], float]:
    started = time.perf_counter()
    browser.get(f"{url}/superset/dashboard/{slug}/?standalone=1")
    deadline = time.time() + timeout
    charts: list[dict] = []
    while time.time() < deadline:
        charts = browser.execute_script(CHART_STATES)
        if len(charts) >= CHARTS and all(c["state"] in ("rendered", "error", "empty") for c in charts):
            break
        time.sleep(0.2)
    return charts, time.perf_counter() - started


def test_the_dashboard_shows_every_chart_with_the_marts_numbers(server, browser):
    charts, seconds = _open(browser, server["url"], superset.DASHBOARDS["en"])
    time.sleep(1)  # the charts' entry animation, before the screenshot
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    print(json.dumps({**server["timings"], "render_s": round(seconds, 1)}))
    assert len(charts) == CHARTS, charts
    assert [c for c in charts if c["state"] != "rendered"] == [], charts
    names = {c["name"] for c in charts}
    for chart in ("Customer pyramid", "Pareto curve", "RFM grid", "Value matrix", "Lifecycle funnel", "migration"):
        assert any(chart.lower() in name.lower() for name in names), (chart, names)

    published = server["published"]
    segments = pd.read_parquet(published / "customer_segments.parquet")
    pareto = pd.read_parquet(published / "pareto_curve.parquet")
    shown = {c["name"]: c["value"] for c in charts if c["viz"] == "big_number_total"}
    top_share = pareto.loc[pareto["is_top_20_percent_cut"], "cumulative_revenue_share"].max()
    assert shown["Revenue share of the top 20% customers"] == f"{top_share:.1%}"
    assert shown["Platinum customers"] == f"{(segments['value_tier'] == 'platinum').sum():,}"
    assert shown["Churned customers"] == f"{(segments['lifecycle_stage'] == 'churned').sum():,}"
    assert (segments["value_tier"] == "platinum").sum() > 0 and (segments["lifecycle_stage"] == "churned").sum() > 0


def test_the_chinese_dashboard_shows_every_chart_with_chinese_labels(server, browser):
    charts, _ = _open(browser, server["url"], superset.DASHBOARDS["zh"])
    assert len(charts) == CHARTS, charts
    assert [c for c in charts if c["state"] != "rendered"] == [], charts
    assert any("客户金字塔" in c["name"] for c in charts)
    segments = pd.read_parquet(server["published"] / "customer_segments.parquet")
    label = segments.loc[segments["value_tier"] == "platinum", "value_tier_label_zh"].iloc[0]
    assert label in browser.page_source
