"""The web page in a real headless Chromium (Debian's ``chromium`` + ``chromedriver``, driven by selenium).

A live uvicorn server per principal serves the demo lake on 127.0.0.1; the browser loads each page
type, searches and clicks a result, follows lineage two hops, runs a query as the masked analyst,
and its network log (Chrome's performance log) must show no request leaving 127.0.0.1. Screenshots
go to ``test-artefacts/ui/`` (git-ignored).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from catalog.access import Principal
from lakehouse.settings import Settings
from lakehouse.ui import create_app

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artefacts" / "ui"
#: milliseconds from navigation start to the end of the load event (the page without its htmx parts);
#: 0 while the load event has not ended
LOAD_MS = "const t = performance.getEntriesByType('navigation')[0]; return Math.round(t.loadEventEnd - t.startTime);"
WAIT = 90  # seconds a page part may take on a loaded 2-core machine (a bound, never asserted as a time)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def serve(demo_settings: Settings) -> Iterator[dict[str | None, str]]:
    """Two live servers on loopback: the administrator's and the analyst ana's; their base URLs."""
    servers, urls = [], {}
    for user in (None, "ana"):
        port = _free_port()
        app = create_app(demo_settings, None if user is None else Principal.of(user=user))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        servers.append(server)
        urls[user] = f"http://127.0.0.1:{port}"
    yield urls
    for server in servers:
        server.should_exit = True


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    assert CHROMIUM.exists() and DRIVER.exists(), (
        "install Debian's chromium and chromium-driver (.ci/run does)"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def requested(driver: WebDriver) -> list[str]:
    """URLs the page asked for since the last call (Chrome's DevTools network events)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def wait_for(driver: WebDriver, css: str) -> None:
    WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def until(driver: WebDriver, condition: Callable[[WebDriver], object]) -> object:
    """Wait for ``condition``; htmx swaps parts of the page while a condition reads them, so an element
    found just before a swap goes stale: that counts as not yet, like a missing one."""
    wait = WebDriverWait(driver, WAIT, ignored_exceptions=[StaleElementReferenceException])
    return wait.until(condition)


def shot(driver: WebDriver, name: str) -> None:
    driver.save_screenshot(str(ARTEFACTS / f"{name}.png"))


def test_each_page_type_loads_and_asks_only_loopback(
    browser: WebDriver, serve: dict[str | None, str]
) -> None:
    base = serve[None]
    requested(browser)  # drop what came before
    pages = {
        "search": ("/search?q=customer", "li.hit"),
        "dataset": ("/dataset/lake.customers", "#sample table"),
        "lineage": ("/lineage/marts.customer_features", "#upstream a"),
        "model": ("/model/ml.premium", "#s-TRAINING_INFO ~ div .chart svg"),
        "sql": ("/sql", "#sql-q"),
    }
    timings = {}
    for name, (path, ready) in pages.items():
        browser.get(base + path)  # the first one is the fresh browser's first page load
        timings[name] = until(browser, lambda d: d.execute_script(LOAD_MS))
        wait_for(browser, ready)
        shot(browser, name)
    (ARTEFACTS / "load-ms.json").write_text(
        json.dumps(timings, indent=1)
    )  # recorded for the report, not asserted
    wait_for(browser, "#sql-q")
    browser.get(base + "/dataset/lake.customers")
    wait_for(browser, "#sample .chart svg")  # vega-embed (vendored) drew a histogram
    shot(browser, "dataset-charts")
    urls = requested(browser)
    assert urls, "the performance log recorded the page loads"
    outside = [
        u for u in urls if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname != "127.0.0.1"
    ]
    assert outside == []


def test_search_as_you_type_then_click_a_result(browser: WebDriver, serve: dict[str | None, str]) -> None:
    browser.get(serve[None] + "/")
    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys("customer segments")
    until(browser, lambda d: "segments" in d.find_element(By.CSS_SELECTOR, "#results .summary code").text)
    assert "q=customer+segments" in browser.current_url or "q=customer%20segments" in browser.current_url
    first = browser.find_element(By.CSS_SELECTOR, "li.hit a.hit-name")
    assert first.find_elements(By.TAG_NAME, "mark"), "matched words are highlighted"
    name = first.text
    shot(browser, "search-typed")
    first.send_keys(Keys.ENTER)  # by keyboard
    until(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == name)


def test_lineage_two_hops(browser: WebDriver, serve: dict[str | None, str]) -> None:
    """lake.customers -> staging.stg_customers (dbt) -> a mart built on it, then back up by its link."""
    browser.get(serve[None] + "/lineage/lake.customers")
    hops = []
    for _ in range(2):
        links = browser.find_elements(By.CSS_SELECTOR, "#downstream a.node")
        link = next(a for a in links if a.text.startswith(("staging.", "intermediate.", "marts.")))
        target = link.text
        link.click()
        until(browser, lambda d, t=target: d.find_element(By.TAG_NAME, "h1").text == f"Lineage of {t}")
        hops.append(target)
    assert hops[0] == "staging.stg_customers"
    shot(browser, "lineage-two-hops")
    back = browser.find_element(By.LINK_TEXT, hops[0])  # and back up
    assert back.find_element(By.XPATH, "ancestor::ul").get_attribute("id") == "upstream"
    back.click()
    until(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == f"Lineage of {hops[0]}")


def test_a_masked_user_sees_only_masked_values(browser: WebDriver, serve: dict[str | None, str]) -> None:
    browser.get(serve["ana"] + "/sql")
    box = browser.find_element(By.ID, "sql-q")
    box.send_keys("SELECT customer_id, email, phone FROM lake.customers ORDER BY customer_id LIMIT 20")
    browser.find_element(By.ID, "sql-run").click()
    wait_for(browser, "#sql-result table")
    shot(browser, "sql-masked")
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#sql-result tbody td")]
    emails, phones = cells[1::3], cells[2::3]
    assert len(emails) == 20
    assert all(v.startswith("XXXXX") and "@" not in v for v in emails + phones)
    assert browser.find_element(By.ID, "principal").text == "ana"
    browser.get(serve["ana"] + "/dataset/lake.customers")
    wait_for(browser, "#sample table")
    shot(browser, "dataset-as-ana")
    sample = browser.find_element(By.ID, "sample").text
    assert "@" not in sample.split("Distributions")[0]


def test_a_facet_click_narrows_the_results_and_the_search_box(
    browser: WebDriver, serve: dict[str | None, str]
) -> None:
    browser.get(serve[None] + "/search?q=customer")
    wait_for(browser, 'section[aria-label="layer facet"] a')
    link = browser.find_element(By.XPATH, '//section[@aria-label="layer facet"]//a[normalize-space()="mart"]')
    count = link.find_element(By.XPATH, "following-sibling::span[@class='count']").text
    link.click()
    until(
        browser,
        lambda d: (
            d.find_element(By.CSS_SELECTOR, "#results .summary").get_attribute("data-q")
            == "customer layer=mart"
        ),
    )
    shot(browser, "search-facet")
    assert browser.find_element(By.ID, "q").get_attribute("value") == "customer layer=mart"
    summary = browser.find_element(By.CSS_SELECTOR, "#results .summary").text
    assert f" of {count} hits" in summary
    layers = browser.find_elements(By.CSS_SELECTOR, "li.hit .badge:nth-of-type(2)")
    assert layers and {b.text for b in layers} == {"mart"}


def test_model_versions_and_the_retrain_report(browser: WebDriver, serve: dict[str | None, str]) -> None:
    """The demo model's page lists its versions; its retrain report opens and draws its charts (inline
    scripts in the report's sandbox), asking nothing beyond 127.0.0.1."""
    requested(browser)
    browser.get(serve[None] + "/model/ml.demo_segments")
    wait_for(browser, "#versions tr.default")
    shot(browser, "model-versions")
    browser.find_element(By.ID, "retrain-report").click()
    wait_for(browser, ".chart canvas, .chart svg")  # vega-embed inlined in the report drew
    shot(browser, "retrain-report")
    assert browser.current_url.endswith("/model/ml.demo_segments/retrain-report")
    urls = requested(browser)
    assert urls and all(urlsplit(u).hostname == "127.0.0.1" for u in urls if u.startswith("http")), urls
