"""End to end: `segmart dashboard` serves the published marts, headless Chromium (Debian's chromium
and chromedriver, installed by `make setup-browser`) opens it, every chart renders with data, the
captions carry the numbers of the marts, the labels switch to Chinese, and a screenshot is saved
(.ci-work/dashboard.png, .ci-work/dashboard_zh.png)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import PROJECT, free_port, group_alive, stop_group

from segmart.views import Marts

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHARTS = 10  # pyramid, Pareto, RFM grid, value matrix, lifecycle funnel, opportunities, migration,
# and the CLV back-test: tracking, conditional expectations, P(alive) calibration
SCREENSHOTS = Path(os.environ.get("SEGMART_SCREENSHOT_DIR", PROJECT / ".ci-work"))


def _start_dashboard(published: Path, port: int, output) -> subprocess.Popen:
    """`segmart dashboard` in a process group of its own: it and everything it starts are
    stopped together, by the group, when the tests end or fail."""
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("segmart")), "dashboard", "--port", str(port)],
        cwd=PROJECT,
        env={**os.environ, "SEGMART_PUBLISH_DIR": str(published)},
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


@pytest.fixture(scope="module")
def dashboard(two_date_marts):
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            pytest.fail(f"{path} is missing: run `make setup-browser` (Debian packages chromium, chromium-driver)")
    port = free_port()
    process = _start_dashboard(two_date_marts["published"], port, subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"the dashboard exited: {process.stdout.read()[-2000:]}")
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", two_date_marts
    finally:
        stop_group(process)
        assert not group_alive(process.pid), "a dashboard process outlived the test"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,3200",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _rendered_charts(driver) -> list[int]:
    """For each chart (in page order), how many data marks Vega drew into its SVG: bars, cells,
    line segments, labels; axes, legends and titles not counted."""
    return driver.execute_script(
        """
        return Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')).map(svg =>
            Array.from(svg.querySelectorAll('g.role-mark')).filter(g =>
                !g.closest('.role-axis, .role-legend, .role-title, .role-axis-label, .role-legend-label')
            ).reduce((n, g) => n + g.querySelectorAll(':scope > path, :scope > text, :scope > line').length, 0)
        );
        """
    )


def _wait_for_charts(driver, count: int, timeout: float = 90) -> list[int]:
    deadline = time.time() + timeout
    inked: list[int] = []
    while time.time() < deadline:
        inked = _rendered_charts(driver)
        if len(inked) >= count and all(n > 0 for n in inked):
            time.sleep(1)  # let the last frame settle
            return _rendered_charts(driver)
        time.sleep(1)
    raise AssertionError(f"expected {count} charts with data marks, got {inked}")


def _captions(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stCaptionContainer"]')]


def test_every_chart_renders_with_the_marts_numbers(dashboard, browser):
    url, marts_info = dashboard
    browser.get(url)
    marks = _wait_for_charts(browser, CHARTS)
    assert len(marks) == CHARTS, marks
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "dashboard.png"))

    marts = Marts(marts_info["published"])
    captions = "\n".join(_captions(browser))
    buyers = int(marts.sql("select count(*) as n from customer_segments where not is_prospect")["n"].iloc[0])
    everyone = int(marts.sql("select count(*) as n from customer_segments")["n"].iloc[0])
    assert f"The top 20% of buyers bring {marts.top_share():.1%} of net revenue." in captions
    assert f"25 cells, {buyers:,} buyers" in captions
    assert f"6 stages, {everyone:,} customers." in captions
    both_dates = int(marts.migration_matrix("value_tier")["customers"].sum())
    assert both_dates > 0 and f"{both_dates:,} customers from {marts_info['dates'][0]}" in captions
    platinum = len(marts.customers("value_tier", "platinum"))
    assert f"{platinum:,} customers in this segment." in captions
    # the bar and cell charts drew one mark per row of their view (their labels add more)
    pyramid, _, rfm, matrix, funnel, opportunities, migration, tracking, conditional, alive = marks
    assert tracking > 0 and conditional >= 16 and alive >= 20  # 8 bars and 10 points per series
    headline = marts.backtest_headline("en")
    assert headline and headline.split(";")[0] in captions
    assert pyramid >= len(marks_pyramid := marts.pyramid()) and len(marks_pyramid) == 5
    assert rfm >= 25 and matrix >= 4 and funnel >= 6 and opportunities >= len(marts.opportunities(20)) > 0
    assert migration >= len(marts.migration_matrix("value_tier"))
    page = browser.page_source
    assert "Download the customer list (CSV)" in page


def test_labels_switch_to_chinese(dashboard, browser):
    from selenium.webdriver.common.by import By

    url, _ = dashboard
    browser.get(url)
    _wait_for_charts(browser, CHARTS)
    browser.find_element(By.XPATH, "//*[text()='中文']").click()
    deadline = time.time() + 30
    while time.time() < deadline and "客户金字塔" not in browser.page_source:
        time.sleep(0.5)
    assert "客户金字塔" in browser.page_source
    _wait_for_charts(browser, CHARTS)
    assert any("购买客户" in caption for caption in _captions(browser))
    browser.save_screenshot(str(SCREENSHOTS / "dashboard_zh.png"))


def test_kill_of_the_dashboard_pid_stops_the_server(two_date_marts):
    """`kill <pid>` of `segmart dashboard` (SIGTERM to that process only, not its group) stops
    the server: segmart dashboard becomes Streamlit, so no child is left serving."""
    import signal

    port = free_port()
    process = _start_dashboard(two_date_marts["published"], port, subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.time() < deadline, "the dashboard did not start"
                time.sleep(0.5)
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        deadline = time.time() + 10
        while group_alive(process.pid) and time.time() < deadline:
            time.sleep(0.2)
        assert not group_alive(process.pid), "a process of the dashboard kept running after kill <pid>"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        stop_group(process)
