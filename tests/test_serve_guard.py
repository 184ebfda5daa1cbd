"""The preview server under hostile requests: long names, foreign Host headers, idle connections (issue 16, item 10)."""

from __future__ import annotations

import http.client
import socket
import time
from pathlib import Path
from typing import Iterator

import pytest

from sitegen import httpserver
from sitegen.httpserver import Server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    (tmp_path / "index.html").write_text("<h1>home</h1>")
    running = Server(tmp_path).start()
    try:
        yield running
    finally:
        running.stop()


def get(server: Server, path: str, host: str | None = None) -> tuple[int, bytes]:
    port = server._httpd.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    return response.status, response.read()


@pytest.mark.parametrize("path", ["/" + "a" * 300, "/docs/" + "%C3%A9" * 200 + ".html", "/" + "a" * 5000 + "/"])
def test_a_name_too_long_for_the_filesystem_is_a_404(server: Server, path: str) -> None:
    status, _ = get(server, path)
    assert status == 404
    assert get(server, "/")[0] == 200  # and the server still answers


@pytest.mark.parametrize("host,status", [
    ("evil.example", 421), ("evil.example:8000", 421), ("127.0.0.1.evil.example", 421), ("localhost.evil.example", 421),
    ("localhost:8000", 200), ("LOCALHOST", 200), ("127.0.0.1:8000", 200), ("[::1]:8000", 200), ("kb.localhost", 200),
    ("192.168.1.20:8000", 200),
])
def test_only_local_names_and_addresses_are_answered(server: Server, host: str, status: int) -> None:
    assert get(server, "/", host=host)[0] == status


def test_the_host_given_with_host_is_answered(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("x")
    running = Server(tmp_path, host="localhost").start()
    try:
        assert get(running, "/", host="localhost")[0] == 200
        assert get(running, "/", host="attacker.test")[0] == 421
    finally:
        running.stop()


def test_an_idle_connection_is_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert httpserver._Handler.timeout is not None and 0 < httpserver._Handler.timeout <= 60  # the default bounds it
    monkeypatch.setattr(httpserver._Handler, "timeout", 0.5)  # and the bound is what closes it (shorter, for the test)
    (tmp_path / "index.html").write_text("x")
    running = Server(tmp_path).start()
    try:
        with socket.create_connection(("127.0.0.1", running._httpd.server_address[1]), timeout=10) as idle:
            started = time.monotonic()
            assert idle.recv(100) == b""  # closed by the server, having sent nothing
            assert time.monotonic() - started < 8
    finally:
        running.stop()
