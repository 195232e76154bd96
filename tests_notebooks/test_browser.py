"""The book in a real browser: headless Chromium driven by Selenium, the site served over HTTP.

Every page loads without a console error; search finds Chinese and English words on the right
pages (multi-character terms and short forms too, with readable snippets); the code toggle shows
the code; figures are at least 600 CSS px wide in a 1280 px window and every map fits one
1280 × 900 screen; every run's page shows its takeaway, every theme page a chart, and no table
header a raw column name; the key findings open the book; long tables sort and filter; every
download link returns its file; an obs_id leads to its words.

Selenium uses the system's Chromium and chromedriver (Debian packages chromium and
chromium-driver; .ci/run installs them where it can), by explicit path, so that Selenium Manager
never downloads a browser. Where they are absent the tests are skipped, saying so.
"""

from __future__ import annotations

import csv
import functools
import http.server
import json
import os
import re
import shutil
import threading
import time
from urllib.parse import quote

import pytest

from analysis.config import PROCESSED_DIR
from analysis.publish.glossary import load_glossary, synonym_groups
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
PAGES = (["index.html", "provenance.html", "glossary.html", "search.html"]
         + [f"{run.run_id}.html" for run in RUNS])
# The screen the book is read at (the reading: a 1280 px window on a 900 px screen).
SCREEN = (1280, 900)
# The flags that keep Chromium from reaching for the network (this machine has none) and from
# sharing state between runs.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={SCREEN[0]},{SCREEN[1]}"]


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
    driver.set_window_size(*SCREEN)
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


def article_text(path) -> str:
    """The text of a page's article as built, every row of every table included (a long table
    shows one page of rows at a time in the browser; the search index holds them all)."""
    from bs4 import BeautifulSoup

    article = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one("article.bd-article")
    if article is None:
        return ""
    for hidden in article.select("script, style"):
        hidden.decompose()
    return article.get_text()


# What the checks below read on each page once it has loaded, each script as one check needs it.
# Every page is loaded once (the loads are most of this module's time) and each check reads its
# part of what was seen: the page's state is the same as if the check had loaded it itself.
TAKEAWAY_FIRST = (
    "const t = document.querySelector('article p.pingan-takeaway');"
    "if (!t || !t.getClientRects().length || !t.textContent.trim()) return false;"
    "const first = document.querySelector('article .cell_output img, article .cell_output table');"
    "return !first || (t.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING) > 0")
VISIBLE_HEADERS = ("return Array.from(document.querySelectorAll('article th'))"
                   ".filter(th => th.getClientRects().length).map(th => th.textContent.trim())")
SHOWS_A_CHART = ("return Array.from(document.querySelectorAll('article .cell_output img'))"
                 ".some(i => i.complete && i.naturalWidth > 0 && i.getClientRects().length)")
WINDOW = "return [window.innerWidth, window.innerHeight]"
FIGURE_BOXES = ("return Array.from(document.querySelectorAll('article .cell_output img'))"
                ".map(i => { const r = i.getBoundingClientRect(); return [i.getAttribute('src'), r.width, r.height]; })")
FIGURE_WIDTHS = ("return Array.from(document.querySelectorAll('.cell_output img'))"
                 ".map(i => [i.getAttribute('src'), i.getBoundingClientRect().width, i.naturalWidth])")
# Every download link, requested as the browser resolves it: the server's answer and the length of
# the file it returns. A HEAD request gives both without moving the file (the site's figures and
# executed notebooks are some 600 MB); the CSVs, the data a reader takes, are fetched whole.
DOWNLOADS = (
    "const done = arguments[arguments.length - 1];"
    "Promise.all(Array.from(document.querySelectorAll('a[download]')).map(a => {"
    " const whole = a.getAttribute('href').endsWith('.csv');"
    " return fetch(a.href, {method: whole ? 'GET' : 'HEAD'}).then(r => whole"
    "  ? r.arrayBuffer().then(b => [a.getAttribute('href'), r.status, b.byteLength])"
    "  : [a.getAttribute('href'), r.status, Number(r.headers.get('Content-Length'))]);"
    "})).then(done)")


def visit(driver, url: str, run) -> dict:
    """Load one page and read what the checks need (``run``: the page's run, or None)."""
    seen = {"errors": [entry["message"] for entry in load(driver, url) if entry["level"] == "SEVERE"]}
    if not url.endswith("/search.html"):
        seen["headers"] = driver.execute_script(VISIBLE_HEADERS)
    if run is not None:
        seen["takeaway_first"] = driver.execute_script(TAKEAWAY_FIRST)
        seen["figure_widths"] = driver.execute_script(FIGURE_WIDTHS)
        if run.notebook == "03_theme_comparison":
            seen["shows_a_chart"] = driver.execute_script(SHOWS_A_CHART)
        if run.notebook == "04_map":
            seen["window"] = driver.execute_script(WINDOW)
            seen["figure_boxes"] = driver.execute_script(FIGURE_BOXES)
        seen["downloads"] = driver.execute_async_script(DOWNLOADS)
        driver.get_log("browser")  # a download's answer is not the next page's console message
    return seen


@pytest.fixture(scope="module")
def parsing(site):
    """The text of each article as built, parsed in a process of its own while the browser loads
    the pages: page → future."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=1)
    yield {page: pool.submit(article_text, site / page) for page in PAGES}
    pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="module")
def visits(parsing, server, browser) -> dict[str, dict]:
    """Every page loaded once, over HTTP: what each check reads on it (see ``visit``)."""
    runs = {f"{run.run_id}.html": run for run in RUNS}
    return {page: visit(browser, f"{server}/{page}", runs.get(page)) for page in PAGES}


@pytest.fixture(scope="module")
def page_texts(parsing) -> dict[str, str]:
    """The text of each article as built (all rows of a paged table: what search finds, a reader
    finds by paging)."""
    return {page: text.result() for page, text in parsing.items()}


def test_every_page_loads_without_a_console_error(visits, page_texts):
    errors = {page: seen["errors"] for page, seen in visits.items() if seen["errors"]}
    assert errors == {}, f"console errors: {errors}"
    assert set(visits) == set(page_texts) == set(PAGES)
    assert all(page_texts[f"{run.run_id}.html"] for run in RUNS)


def search(driver, server: str, term: str, snippets: bool = False):
    """The pages a search lists (and, with ``snippets``, each page's snippet once all are in)."""
    load(driver, f"{server}/search.html?q={quote(term)}")
    wait_for(driver, "const s = document.querySelector('#search-results .search-summary');"
                     "return s && s.textContent.length > 0")
    pages = driver.execute_script(
        "return Array.from(document.querySelectorAll('#search-results ul.search li a'))"
        ".map(a => a.getAttribute('href').split('#')[0].split('?')[0])")
    if not snippets:
        return pages
    # Each snippet arrives with its page (fetched): wait until the list stops growing.
    wait_for(driver, "const items = document.querySelectorAll('#search-results ul.search li');"
                     "return items.length > 0 && Array.from(items).every(li => li.querySelector('p.context'))")
    return dict(driver.execute_script(
        "return Array.from(document.querySelectorAll('#search-results ul.search li')).map(li => "
        "[li.querySelector('a').getAttribute('href').split('#')[0].split('?')[0],"
        " li.querySelector('p.context').textContent])"))


def saying(page_texts: dict[str, str], *names: str) -> set[str]:
    return {page for page, text in page_texts.items()
            if page != "search.html" and any(name in text for name in names)}


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


def names_of(term: str) -> list[str]:
    """The term and its other names in the glossary (search treats them as one)."""
    return [term, *synonym_groups(load_glossary(PROCESSED_DIR)).get(term, [])]


@pytest.mark.parametrize("term", ["平安建设", "电诈"])
def test_search_finds_a_term_on_exactly_the_pages_that_use_it(server, browser, page_texts, term):
    found = set(search(browser, server, term))
    assert found == saying(page_texts, *names_of(term))


def test_search_finds_a_short_form_on_pages_that_use_only_the_full_name(server, browser, page_texts):
    assert "社会治安综合治理中心" in names_of("综治中心")
    only_full = saying(page_texts, "社会治安综合治理中心") - saying(page_texts, "综治中心")
    assert only_full, "no page says only the full name: the test would not show what it should"
    assert only_full <= set(search(browser, server, "综治中心"))


@pytest.mark.parametrize("term, parts", [
    ("化解矛盾纠纷", [["化解"], ["矛盾纠纷"]]),  # held by the index in two parts
    ("网格员", [names_of("网格员")]),
    ("综治中心", [names_of("综治中心")]),
])
def test_search_finds_a_multi_character_term_on_every_page_that_says_it(
        server, browser, page_texts, term, parts):
    """The query is segmented the way the index was: every page saying the term is found, and a
    page found has every part of it (or another name of it)."""
    found = set(search(browser, server, term))
    assert saying(page_texts, term) <= found
    for page in found:
        assert all(any(name in page_texts[page] for name in names) for names in parts), (term, page)


def test_search_snippets_are_readable_text_around_the_term(server, browser):
    """A snippet is the sentence, list item or table row (cells apart) holding the term or one of
    its names, not the page's text with its tables run together."""
    snippets = search(browser, server, "电诈", snippets=True)
    assert snippets
    for page, snippet in snippets.items():
        assert any(name in snippet for name in ("电诈", "电信网络诈骗", "电信诈骗")), f"{page}: {snippet!r}"
        assert not re.search(r"\S {3,}\S", snippet), f"{page}: a table dumped as text: {snippet!r}"
        assert len(snippet) <= 245, page


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


def test_the_key_findings_open_the_book(server, browser):
    """The landing page leads first to the key findings (主要发现 · Key findings): its "next" link and
    the first page of the navigation."""
    load(browser, f"{server}/index.html")
    first = browser.execute_script(
        "return Array.from(document.querySelectorAll('nav.bd-docs-nav a.reference.internal'))"
        ".map(a => a.getAttribute('href')).filter(h => !h.startsWith('#') && h !== 'index.html')[0]")
    following = browser.execute_script("const a = document.querySelector('a.right-next');"
                                       "return a && a.getAttribute('href')")
    assert first.startswith("00_key_findings"), first
    assert following.startswith("00_key_findings"), following


def test_every_run_shows_its_takeaway_first(visits):
    """Each run's page begins with its one-sentence takeaway (views.takeaway), visible, above the
    first figure or table."""
    missing = [run.run_id for run in RUNS if not visits[f"{run.run_id}.html"]["takeaway_first"]]
    assert missing == [], f"pages without a takeaway at their top: {missing}"


def processed_column_names() -> set[str]:
    """The snake_case column names of the processed tables (reason_code, period_basis …)."""
    names = set()
    for path in sorted(PROCESSED_DIR.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            names.update(name for name in next(csv.reader(f), []) if "_" in name)
    return names


# A column name as code writes it (value_per_10k, as the questions' tables add to the processed
# ones): what a reader should not meet as a table header.
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def test_no_visible_table_header_is_a_raw_column_name(visits):
    processed = processed_column_names()
    assert {"reason_code", "period_basis", "obs_id"} <= processed
    assert SNAKE_CASE.fullmatch("value_per_10k") and not SNAKE_CASE.fullmatch("地区 region")
    shown = {}
    for page in [p for p in PAGES if p != "search.html"]:
        headers = visits[page]["headers"]
        found = sorted({header for header in headers if header in processed or SNAKE_CASE.fullmatch(header)})
        if found:
            shown[page] = found
    assert shown == {}, f"raw column names as table headers: {shown}"


def test_every_theme_page_has_a_chart(visits):
    themes = [run for run in RUNS if run.notebook == "03_theme_comparison"]
    assert themes
    without = [run.run_id for run in themes if not visits[f"{run.run_id}.html"]["shows_a_chart"]]
    assert without == [], f"theme pages without a chart: {without}"


def test_every_map_fits_one_screen(visits):
    """Each figure of a map page (04_map--*) is seen whole at 1280 × 900: no taller than the
    window's height, no wider than its width."""
    maps = [run for run in RUNS if run.notebook == "04_map"]
    assert maps
    too_big = []
    for run in maps:
        seen = visits[f"{run.run_id}.html"]
        width, height = seen["window"]
        for src, w, h in seen["figure_boxes"]:
            if w > width or h > height:
                too_big.append(f"{run.run_id}: {src} is {w:.0f} × {h:.0f} CSS px")
    assert too_big == [], f"maps larger than a {SCREEN[0]} × {SCREEN[1]} screen: {too_big}"


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


def test_figures_are_at_least_600_css_px_wide_at_1280(visits):
    checked = 0
    for run in RUNS:
        widths = visits[f"{run.run_id}.html"]["figure_widths"]
        for src, width, natural in widths:
            assert width >= 600, f"{run.run_id}: {src} is {width:.0f} CSS px wide"
            # PNGs are drawn at twice their size: a figure as wide as the column has two pixels
            # per CSS px; none is shown wider than its pixels (a small locator map comes close).
            assert natural >= 0.95 * width, f"{run.run_id}: {src} is blown up ({natural} px at {width:.0f})"
        checked += len(widths)
    assert checked >= len(RUNS)


def test_long_tables_sort_and_filter(server, browser):
    from analysis.questions import dataset

    load(browser, f"{server}/01_dataset.html")
    # The provenance table of the dataset notebook: every observation, its id first (found by
    # its cells, whatever its header is labelled), shown a page of rows at a time.
    # Marked once found, so that it stays found while filtered.
    wait_for(browser, "const t = Array.from(document.querySelectorAll('.dt-container table.pingan-long'))"
                      ".find(t => t.tBodies[0].rows.length >= 10 && "
                      "/^[a-z0-9_]+-\\d{3}$/.test(t.tBodies[0].rows[0].cells[0].textContent.trim()));"
                      "if (t) t.dataset.pinganObservations = 'yes'; return t")
    table = "document.querySelector('table[data-pingan-observations]')"
    first_column = (f"return Array.from({table}.tBodies[0].rows).map(r => r.cells[0].textContent)")
    before = browser.execute_script(first_column)
    every = list(dataset.load().observations["obs_id"])
    assert len(before) < len(every)  # paged: one page of rows in view
    box = browser.execute_script(f"return {table}.closest('.dt-container').querySelector('input[type=search]')")
    box.send_keys("hubei_2023-017")
    wait_for(browser, f"return {table}.tBodies[0].rows.length === 1")
    assert browser.execute_script(first_column) == ["hubei_2023-017"]
    box.clear()
    box.send_keys(" ")
    wait_for(browser, f"return {table}.tBodies[0].rows.length === {len(before)}")
    header = browser.execute_script(f"return {table}.tHead.rows[0].cells[0]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", header)
    # sorting orders every row, not the page in view: the first page is the first ids of all
    for order in (sorted(every), sorted(every, reverse=True)):
        header.click()
        wait_for(browser, first_column.replace("return ", "return JSON.stringify(") + ") === "
                 + repr(json.dumps(order[:len(before)], separators=(",", ":"))))


def test_every_download_link_returns_its_file(visits):
    count = 0
    for run in RUNS:
        results = visits[f"{run.run_id}.html"]["downloads"]
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
        if page == "01_dataset.html":
            assert browser.execute_script("return document.querySelectorAll('.dt-container table.pingan-long').length") \
                == browser.execute_script("return document.querySelectorAll('table.pingan-long').length") > 0
