"""`sitegen serve` as a user meets it: real file edits, pages fetched over HTTP, reloads seen by a client."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

import pytest

from sitegen.config import load_config
from sitegen.serve import Preview
from tests.helpers import ROOT, make_config, write_docs

TIMEOUT = 15.0  # the longest a wait for a state may take; only a failure (or a very loaded machine) waits this long
DOCS = {
    "a.md": """\
        ---
        title: Alpha cache miss
        component: cache
        ---
        # Alpha cache miss

        The alpha body says hello.
        """,
    "b.md": "# Beta pool timeout\n\nBeta body.\n",
}
BROKEN = "---\ntitle: [oops\ncomponent: cache\n---\n# Alpha cache miss\n\nHalf-edited.\n"


def save(path: Path, text: str) -> None:
    """Save as many editors do: write a temporary file, then rename it over the old one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def wait_until(check: Callable[[], object], timeout: float = TIMEOUT, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def fetch(url: str) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace"), dict(err.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def raw_get(preview: Preview, path: str) -> tuple[int, bytes]:
    """A request with the path sent exactly as written (urllib would tidy `..` away)."""
    host, port = preview.url.split("//")[1].split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


class EventReader:
    """A browser stand-in: reads the server-sent event stream."""

    def __init__(self, preview: Preview) -> None:
        host, port = preview.url.split("//")[1].split("/")[0].split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        self.conn.request("GET", "/__sitegen/events")
        self.response = self.conn.getresponse()
        assert self.response.getheader("Content-Type") == "text/event-stream"

    def next(self) -> tuple[str, dict]:
        name, data = "", ""
        while True:
            line = self.response.fp.readline().decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif not line and name:
                return name, json.loads(data)

    def until(self, check: Callable[[dict], bool]) -> dict:
        """The first state that passes `check`: an editor's save may reach the server in steps."""
        while True:
            _, state = self.next()
            if check(state):
                return state

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    write_docs(tmp_path / "docs", DOCS)
    theme = tmp_path / "theme" / "templates"
    theme.mkdir(parents=True)
    term = (ROOT / "themes/default/templates/term.html").read_text(encoding="utf-8")
    (theme / "term.html").write_text(term.replace("{% block content %}", "{% block content %}<p class=marker>Marker one</p>"),
                                     encoding="utf-8")
    return tmp_path


def start(kb: Path, lines: list[str] | None = None, **options) -> Preview:  # type: ignore[no-untyped-def]
    config = make_config(kb / "docs", options.pop("output", kb / "site"), theme_dir=kb / "theme")
    say = lines.append if lines is not None else (lambda line: None)
    return Preview(config, quiet=options.pop("quiet", 0.1), say=say, **options).start_in_thread()


@pytest.fixture
def preview(kb: Path) -> Iterator[Preview]:
    p = start(kb)
    yield p
    p.stop()


def rebuilds_after(preview: Preview, count: int) -> None:
    wait_until(lambda: len(preview.rebuilds) > count, what=f"rebuild #{count + 1}")


def page_shows(preview: Preview, path: str, text: str) -> None:
    wait_until(lambda: text in fetch(preview.url + path)[1], what=f"{text!r} on {path}")


def test_serves_pages_with_the_script_injected_only_in_the_response(preview: Preview, kb: Path) -> None:
    status, body, headers = fetch(preview.url + "docs/a.html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Alpha cache miss" in body and "data-sitegen-livereload" in body and "/__sitegen/events" in body
    on_disk = [p for p in (kb / "site").rglob("*") if p.is_file() and b"sitegen-livereload" in p.read_bytes()]
    assert on_disk == []
    for path, expected in [("assets/site.js", "text/javascript"), ("assets/style.css", "text/css"),
                           ("assets/favicon.svg", "image/svg+xml"), ("", "text/html")]:
        status, body, headers = fetch(preview.url + path)
        assert status == 200 and headers["Content-Type"].startswith(expected), path
    assert "data-sitegen-livereload" not in fetch(preview.url + "assets/site.js")[1]


def test_folders_and_missing_pages(preview: Preview) -> None:
    assert fetch(preview.url + "component/")[0] == 200
    status, _, headers = fetch(preview.url + "component")
    assert status == 302 and headers["Location"] == "/component/"
    status, body, _ = fetch(preview.url + "docs/nope.html")
    assert status == 404 and "Page not found" in body and "data-sitegen-livereload" in body


@pytest.mark.parametrize("path", ["/../secret.txt", "/docs/../../secret.txt", "/%2e%2e/secret.txt", "/docs/%2e%2e/%2e%2e/secret.txt",
                                  "/..%2fsecret.txt", "/.sitegen-manifest.json", "/docs/..\\..\\secret.txt", "//etc/passwd"])
def test_nothing_outside_the_output_folder_is_served(preview: Preview, kb: Path, path: str) -> None:
    (kb / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    status, body = raw_get(preview, path)
    assert status == 404 and b"TOP SECRET" not in body and b"root:" not in body


def test_edit_add_rename_delete_a_document(preview: Preview, kb: Path) -> None:
    docs = kb / "docs"
    (docs / "a.md").write_text(textwrap.dedent(DOCS["a.md"]).replace("says hello", "says goodbye"), encoding="utf-8")
    rebuilds_after(preview, 1)
    assert preview.rebuilds[-1].changed == (docs / "a.md",)
    assert "a.md changed" in preview.rebuilds[-1].line
    assert "1 rendered" in preview.rebuilds[-1].result.rebuilt  # type: ignore[union-attr]
    assert "says goodbye" in fetch(preview.url + "docs/a.html")[1]

    (docs / "c.md").write_text("# Gamma queue stuck\n", encoding="utf-8")
    page_shows(preview, "docs/c.html", "Gamma queue stuck")

    (docs / "c.md").rename(docs / "d.md")
    page_shows(preview, "docs/d.html", "Gamma queue stuck")
    assert fetch(preview.url + "docs/c.html")[0] == 404

    (docs / "d.md").unlink()
    wait_until(lambda: fetch(preview.url + "docs/d.html")[0] == 404, what="deleted page gone")


def test_edit_a_theme_template(preview: Preview, kb: Path) -> None:
    template = kb / "theme" / "templates" / "term.html"
    assert "Marker one" in fetch(preview.url + "component/cache.html")[1]
    count = len(preview.rebuilds)
    template.write_text(template.read_text(encoding="utf-8").replace("Marker one", "Marker two"), encoding="utf-8")
    page_shows(preview, "component/cache.html", "Marker two")
    rebuilds_after(preview, count)
    assert "templates/term.html changed" in preview.rebuilds[count].line


def test_a_client_hears_each_rebuild(preview: Preview, kb: Path) -> None:
    events = EventReader(preview)
    try:
        name, hello = events.next()
        assert name == "hello" and hello["problems"] == []
        (kb / "docs" / "b.md").write_text("# Beta pool timeout\n\nNew beta body.\n", encoding="utf-8")
        name, state = events.next()
        assert name == "build" and state["build"] != hello["build"]  # a new build: open pages reload
    finally:
        events.close()


def test_a_broken_document_is_shown_and_the_next_good_save_recovers(preview: Preview, kb: Path) -> None:
    events = EventReader(preview)
    try:
        events.next()
        (kb / "docs" / "a.md").write_text(BROKEN, encoding="utf-8")
        state = events.until(lambda s: s["problems"])
        assert [p["where"] for p in state["problems"]] == ["a.md:3:10"]
        assert "invalid YAML" in state["problems"][0]["message"]
        assert fetch(preview.url + "docs/b.html")[0] == 200  # still serving
        (kb / "docs" / "a.md").write_text("# Alpha cache miss\n\nFixed body.\n", encoding="utf-8")
        events.until(lambda s: not s["problems"])
        page_shows(preview, "docs/a.html", "Fixed body")
    finally:
        events.close()


def test_a_failing_build_keeps_the_last_good_site(preview: Preview, kb: Path) -> None:
    template = kb / "theme" / "templates" / "term.html"
    good = template.read_text(encoding="utf-8")
    events = EventReader(preview)
    try:
        _, hello = events.next()
        save(template, good.replace("Marker one", "Marker {% if %}"))  # a Jinja syntax error
        state = events.until(lambda s: s["problems"])
        assert state["build"] == hello["build"]  # nothing new on disk: pages do not reload, the overlay shows
        assert "term.html" in state["problems"][0]["where"] and "TemplateSyntaxError" in state["problems"][0]["message"]
        assert preview.rebuilds[-1].result is None and "still serving the last good site" in preview.rebuilds[-1].line
        assert "Marker one" in fetch(preview.url + "component/cache.html")[1]
        save(template, good.replace("Marker one", "Marker three"))
        state = events.until(lambda s: not s["problems"])
        assert state["build"] != hello["build"]
        page_shows(preview, "component/cache.html", "Marker three")
    finally:
        events.close()


def test_mount_serves_the_site_under_a_sub_path(kb: Path) -> None:
    preview = start(kb, mount="kb")
    try:
        assert preview.url.endswith("/kb/")
        root = preview.url[: -len("kb/")]
        status, _, headers = fetch(root)
        assert status == 302 and headers["Location"] == "/kb/"
        assert fetch(root + "kb")[2].get("Location") == "/kb/"
        status, body, _ = fetch(preview.url + "docs/a.html")
        assert status == 200 and 'href="../assets/style.css"' in body
        status, _, headers = fetch(preview.url + "assets/style.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert fetch(root + "docs/a.html")[0] == 404
    finally:
        preview.stop()


def test_output_inside_the_content_folder_does_not_rebuild_in_a_loop(kb: Path) -> None:
    preview = start(kb, output=kb / "docs" / "_site", quiet=1.0)  # one write, one batch, even on a stalled machine
    try:
        (kb / "docs" / "b.md").write_text("# Beta pool timeout\n\nOnce.\n", encoding="utf-8")
        rebuilds_after(preview, 1)
        assert preview.watcher.next_batch(timeout=0.6) is None  # its own writes were not recorded
        assert len(preview.rebuilds) == 2
    finally:
        preview.stop()


def test_a_burst_of_20_writes_is_one_rebuild(kb: Path) -> None:
    preview = start(kb, quiet=1.0)  # 20 small writes take milliseconds; a whole second of stall would split them
    try:
        for i in range(20):
            (kb / "docs" / "b.md").write_text(f"# Beta pool timeout\n\nVersion {i}.\n", encoding="utf-8")
        page_shows(preview, "docs/b.html", "Version 19.")
        assert preview.watcher.next_batch(timeout=2.0) is None
        assert len(preview.rebuilds) == 2 and preview.rebuilds[1].changed == (kb / "docs" / "b.md",)
    finally:
        preview.stop()


def test_a_config_change_reloads_the_config(kb: Path) -> None:
    config_file = kb / "sitegen.yml"
    config_file.write_text("title: First title\n", encoding="utf-8")
    overrides = {"content_dir": kb / "docs", "output_dir": kb / "site", "theme_dir": kb / "theme"}
    config, _ = load_config(config_file, overrides)
    preview = Preview(config, reload_config=lambda: load_config(config_file, overrides), quiet=0.1,
                      say=lambda line: None).start_in_thread()
    try:
        assert "First title" in fetch(preview.url)[1]
        config_file.write_text("title: Second title\n", encoding="utf-8")
        page_shows(preview, "", "Second title")
        config_file.write_text("titel: typo\n", encoding="utf-8")
        wait_until(lambda: preview.rebuilds[-1].error == "config", what="config error reported")
        assert "Second title" in fetch(preview.url)[1]
        assert preview.server.events.state.problems[0]["where"].startswith(str(config_file))
    finally:
        preview.stop()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_the_command_prints_one_line_per_rebuild_and_stops_cleanly(kb: Path, stop_signal: int) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "docs", "-o", "site", "-p", "0", "-q"],
                            cwd=kb, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stderr is not None
    guard = threading.Timer(30, proc.kill)  # a hung server fails the test instead of hanging it
    guard.start()
    try:
        line = ""
        while "serving http" not in line:
            line = proc.stderr.readline()
            assert line, "sitegen serve exited early"
        url = line.split("serving ")[1].split()[0]
        assert "Alpha cache miss" in fetch(url + "docs/a.html")[1]
        (kb / "docs" / "a.md").write_text(BROKEN, encoding="utf-8")
        problem = proc.stderr.readline()
        assert problem.startswith("a.md:3:10: error: invalid YAML")
        assert proc.stderr.readline().startswith("sitegen: a.md changed -> ")
        proc.send_signal(stop_signal)
        assert proc.wait(timeout=TIMEOUT) == 0
        assert "stopping" in proc.stderr.read()
    finally:
        guard.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- in a real browser --------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")



def test_browser_reloads_on_save_and_shows_errors_on_an_overlay(browser, preview: Preview, kb: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(preview.url + "docs/a.html")
    page.locator("text=The alpha body says hello.").wait_for(timeout=TIMEOUT * 1000)
    wait_until(lambda: preview.server.events.clients, what="the page to connect")

    doc = kb / "docs" / "a.md"
    doc.write_text("# Alpha cache miss\n\nThe alpha body was edited.\n", encoding="utf-8")
    page.locator("text=The alpha body was edited.").wait_for(timeout=TIMEOUT * 1000)

    doc.write_text(BROKEN, encoding="utf-8")
    overlay = page.locator("#sitegen-overlay")
    overlay.wait_for(timeout=TIMEOUT * 1000)
    assert "a.md:3:10" in overlay.inner_text() and "invalid YAML" in overlay.inner_text()
    overlay.locator("button").click()
    overlay.wait_for(state="detached", timeout=TIMEOUT * 1000)

    doc.write_text("# Alpha cache miss\n\nRecovered.\n", encoding="utf-8")
    page.locator("text=Recovered.").wait_for(timeout=TIMEOUT * 1000)
    assert page.locator("#sitegen-overlay").count() == 0
    assert errors == []
    page.close()
