"""The rendered site: every page and image loads, every link resolves, report text is escaped."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from analysis.publish.runs import load_runs


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.images, self.scripts = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def test_index_lists_every_run_and_every_link_resolves(site):
    index = parse(site / "index.html")
    assert {f"{run.run_id}.html" for run in load_runs().runs} <= set(index.hrefs)
    for page in [site / "index.html", *sorted(site.glob("*.html"))]:
        links = parse(page)
        assert not links.scripts, f"{page.name} loads remote scripts: {links.scripts}"
        for href in links.hrefs:
            if href.startswith(("http://", "https://", "mailto:")) or href.startswith("#"):
                continue
            assert (page.parent / href.split("#")[0]).exists(), f"{page.name}: broken link {href}"


def test_every_image_is_embedded_and_decodes(site):
    count = 0
    for page in sorted(site.glob("*.html")):
        for src in parse(page).images:
            assert src.startswith("data:image/png;base64,"), f"{page.name}: image not embedded"
            Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).verify()
            count += 1
    assert count >= len(load_runs().runs)


def test_report_text_is_escaped_in_pages(site):
    # The tianmen report carried <span ...> tags; quotes shown in the pages come from reports.
    for page in sorted(site.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert "<span id=\"printapp\">" not in text and "<script>alert" not in text


# --- headless Chromium, through a minimal WebDriver client (chromedriver speaks HTTP + JSON) ----

CHROMIUM = shutil.which("chromium") or shutil.which("google-chrome")  # Debian; GitHub's runners
DRIVER = shutil.which("chromedriver") or shutil.which(
    "chromedriver", path=os.environ.get("CHROMEWEBDRIVER", ""))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(base: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


@pytest.mark.skipif(not (CHROMIUM and DRIVER),
                    reason="headless Chromium not installed (Debian packages chromium, chromium-driver)")
def test_pages_load_in_headless_chromium(site, tmp_path):
    port = _free_port()
    driver = subprocess.Popen([DRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _call(base, "GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp_path / 'profile'}"]
        session = _call(base, "POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}})
        sid = session["value"]["sessionId"]
        check = ("return {title: document.title, images: Array.from(document.images).map("
                 "i => i.complete && i.naturalWidth > 0), links: Array.from(document.links).length};")
        try:
            pages = ["index.html"] + [f"{run.run_id}.html" for run in load_runs().runs]
            for page in pages:
                _call(base, "POST", f"/session/{sid}/url", {"url": (site / page).as_uri()})
                result = _call(base, "POST", f"/session/{sid}/execute/sync", {"script": check, "args": []})["value"]
                assert result["title"], f"{page}: no title"
                assert all(result["images"]), f"{page}: an image did not decode"
                if page == "index.html":
                    assert result["links"] >= len(pages) - 1
        finally:
            _call(base, "DELETE", f"/session/{sid}")
    finally:
        driver.terminate()
        driver.wait(timeout=10)
