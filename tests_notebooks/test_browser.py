"""The book in a real browser: headless Chromium driven by Selenium, the site served over HTTP.

Every page loads without a console error; search finds Chinese and English words on the right
pages; the code toggle shows the code; figures are at least 600 CSS px wide in a 1280 px window;
long tables sort and filter; every download link returns its file; an obs_id leads to its words.

Selenium uses the system's Chromium and chromedriver (Debian packages chromium and
chromium-driver; .ci/run installs them where it can), by explicit path, so that Selenium Manager
never downloads a browser. Where they are absent the tests are skipped, saying so.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
import time
from urllib.parse import quote

import pytest

from analysis.publish.runs import load_runs

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("google-chrome") or "") if p and os.path.exists(p)), None)
CHROMEDRIVER = next((p for p in ("/usr/bin/chromedriver", shutil.which("chromedriver") or "",
                                 os.path.join(os.environ.get("CHROMEWEBDRIVER", ""), "chromedriver"))
                     if p and os.path.exists(p)), None)
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="headless Chromium and chromedriver are not installed (Debian packages chromium, "
           "chromium-driver): the browser test is skipped")

RUNS = load_runs().runs
PAGES = ["index.html", "provenance.html", "search.html"] + [f"{run.run_id}.html" for run in RUNS]
# The flags that keep Chromium from reaching for the network (this machine has none) and from
# sharing state between runs.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1280,900"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    """build/site over HTTP on 127.0.0.1 (search and downloads work as they do when published)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in CHROMIUM_ARGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_window_size(1280, 900)
    yield driver
    driver.quit()


def wait_for(driver, script: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script}")


def load(driver, url: str) -> list[dict]:
    """Open a page, wait until it has loaded, and return its console messages."""
    driver.get(url)
    wait_for(driver, "return document.readyState === 'complete'")
    return driver.get_log("browser")


@pytest.fixture(scope="module")
def page_texts(server, browser) -> dict[str, str]:
    """Every page loaded once: fails on a console error; returns the text of each article."""
    texts = {}
    for page in PAGES:
        errors = [entry["message"] for entry in load(browser, f"{server}/{page}")
                  if entry["level"] == "SEVERE"]
        assert errors == [], f"{page}: console errors {errors}"
        texts[page] = browser.execute_script(
            "const a = document.querySelector('article.bd-article'); return a ? a.textContent : ''")
    return texts


def test_every_page_loads_without_a_console_error(page_texts):
    assert set(page_texts) == set(PAGES)
    assert all(page_texts[f"{run.run_id}.html"] for run in RUNS)


def search(driver, server: str, term: str) -> list[str]:
    load(driver, f"{server}/search.html?q={quote(term)}")
    wait_for(driver, "const s = document.querySelector('#search-results .search-summary');"
                     "return s && s.textContent.length > 0")
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#search-results ul.search li a'))"
        ".map(a => a.getAttribute('href').split('#')[0].split('?')[0])")


def test_the_sites_chinese_font_loads(server, browser):
    """A browser with no CJK font of its own draws Chinese with the site's (one with, need not
    fetch it): loading the face explicitly shows that its file resolves and is a font."""
    load(browser, f"{server}/index.html")
    faces = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "document.fonts.load('16px \"Pingan Noto Sans SC\"', '平安建设')"
        ".then(f => done(f.map(x => [x.family, x.status])), e => done(String(e)));")
    assert faces == [["Pingan Noto Sans SC", "loaded"]]


def test_search_finds_a_chinese_term_on_exactly_the_pages_that_say_it(server, browser, page_texts):
    found = set(search(browser, server, "枫桥"))
    saying_it = {page for page, text in page_texts.items() if "枫桥" in text and page != "search.html"}
    assert "05_discourse--grid.html" in found  # the discourse notebook's lexicon has 枫桥经验
    assert found == saying_it


def test_search_finds_an_english_term_on_the_pages_that_say_it(server, browser, page_texts):
    found = set(search(browser, server, "mediation"))
    saying_it = {page for page, text in page_texts.items()
                 if "mediation" in text.lower() and page != "search.html"}
    disputes = next(run.run_id for run in RUNS if run.notebook == "03_theme_comparison"
                    and run.parameters.get("theme") == "dispute_mediation")
    assert {f"{disputes}.html", "index.html"} <= found
    assert saying_it <= found
    # Sphinx stems English words: a page found says "mediation", "mediator", "mediated", ...
    assert all("mediat" in page_texts[page].lower() for page in found)


def test_code_is_hidden_until_the_reader_opens_it(server, browser):
    from selenium.webdriver.common.by import By

    load(browser, f"{server}/{RUNS[0].run_id}.html")
    toggles = browser.find_elements(By.CSS_SELECTOR, "details.hide.above-input")
    assert toggles, "no folded code cell"
    code = toggles[0].find_element(By.CSS_SELECTOR, "div.cell_input pre")
    assert not code.is_displayed()
    toggles[0].find_element(By.CSS_SELECTOR, "summary").click()
    wait_for(browser, "return document.querySelector('details.hide.above-input').open")
    deadline = time.monotonic() + 5
    while not code.is_displayed() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert code.is_displayed() and "views." in code.text
    # The parameters and the set-up cell are not on the page at all.
    source = browser.page_source
    assert "views.start(" not in source and "injected-parameters" not in source


def test_figures_are_at_least_600_css_px_wide_at_1280(server, browser):
    checked = 0
    for run in RUNS:
        load(browser, f"{server}/{run.run_id}.html")
        widths = browser.execute_script(
            "return Array.from(document.querySelectorAll('.cell_output img'))"
            ".map(i => [i.getAttribute('src'), i.getBoundingClientRect().width, i.naturalWidth])")
        for src, width, natural in widths:
            assert width >= 600, f"{run.run_id}: {src} is {width:.0f} CSS px wide"
            # PNGs are drawn at twice their size: a figure as wide as the column has two pixels
            # per CSS px; none is shown wider than its pixels (a small locator map comes close).
            assert natural >= 0.95 * width, f"{run.run_id}: {src} is blown up ({natural} px at {width:.0f})"
        checked += len(widths)
    assert checked >= len(RUNS)


def test_long_tables_sort_and_filter(server, browser):
    from selenium.webdriver.common.by import By

    load(browser, f"{server}/01_dataset.html")
    # The provenance table of the dataset notebook: every observation, obs_id first.
    table = ("Array.from(document.querySelectorAll('.dt-container table.pingan-long'))"
             ".find(t => t.tHead.rows[0].cells[0].textContent.startsWith('obs_id'))")
    wait_for(browser, f"return {table}")
    first_column = (f"return Array.from({table}.tBodies[0].rows).map(r => r.cells[0].textContent)")
    before = browser.execute_script(first_column)
    box = browser.execute_script(f"return {table}.closest('.dt-container').querySelector('input[type=search]')")
    box.send_keys("hubei_2023-017")
    wait_for(browser, f"return {table}.tBodies[0].rows.length === 1")
    assert browser.execute_script(first_column) == ["hubei_2023-017"]
    box.clear()
    box.send_keys(" ")
    wait_for(browser, f"return {table}.tBodies[0].rows.length === {len(before)}")
    header = browser.execute_script(f"return {table}.tHead.rows[0].cells[0]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", header)
    for order in (sorted(before), sorted(before, reverse=True)):
        header.click()
        wait_for(browser, first_column.replace("return ", "return JSON.stringify(") + ") === "
                 + repr(json.dumps(order, separators=(",", ":"))))


def test_every_download_link_returns_its_file(server, browser):
    fetch = ("const done = arguments[arguments.length - 1];"
             "Promise.all(Array.from(document.querySelectorAll('a[download]')).map(a => "
             "fetch(a.href).then(r => r.arrayBuffer().then(b => [a.getAttribute('href'), r.status, b.byteLength]))"
             ")).then(done)")
    count = 0
    for run in RUNS:
        load(browser, f"{server}/{run.run_id}.html")
        results = browser.execute_async_script(fetch)
        assert any(href.endswith(".ipynb") for href, _, _ in results)
        for href, status, size in results:
            assert status == 200 and size > 0, f"{run.run_id}: {href} → {status}, {size} bytes"
        count += len(results)
    assert count > 2 * len(RUNS)


def test_an_obs_id_leads_to_its_quote_and_report(server, browser):
    from selenium.webdriver.common.by import By

    load(browser, f"{server}/02_region_profile--421300.html")
    link = browser.find_element(By.CSS_SELECTOR, "a.pingan-obs")
    obs_id = link.text
    browser.execute_script("arguments[0].click()", link)
    wait_for(browser, f"return location.hash === '#obs-{obs_id}'")
    row = browser.find_element(By.ID, f"obs-{obs_id}")
    assert row.is_displayed() and obs_id in row.text
    assert browser.find_element(By.ID, f"source-{obs_id.rsplit('-', 1)[0]}")


def test_pages_opened_from_disk_work_too(site, browser):
    """Readers often open build/site/index.html (or the downloaded artifact) straight from disk,
    where a browser refuses module scripts and fetches: pages still load cleanly and long tables
    still sort and filter. (Search lists its results there too; the text around each match needs
    the site served over HTTP.)"""
    for page in ("index.html", "01_dataset.html", "provenance.html", f"{RUNS[-1].run_id}.html"):
        errors = [entry["message"] for entry in load(browser, (site / page).as_uri())
                  if entry["level"] == "SEVERE"]
        assert errors == [], f"{page} from disk: console errors {errors}"
    load(browser, (site / "01_dataset.html").as_uri())
    assert browser.execute_script("return document.querySelectorAll('.dt-container table.pingan-long').length") \
        == browser.execute_script("return document.querySelectorAll('table.pingan-long').length") > 0
