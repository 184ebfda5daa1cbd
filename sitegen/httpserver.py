"""The preview's HTTP server: serves the output folder under its mount, guards against hostile requests,
and streams the live-reload events. `sitegen serve` (serve.py) owns the rebuilding around it.
"""

from __future__ import annotations

import html
import ipaddress
import mimetypes
import os
import queue
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from sitegen.livereload import EVENTS_PATH, Broadcaster, inject, script_for

# Explicit, because the platform's table may lack some (or, on Windows, call .js text/plain).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".svg": "image/svg+xml", ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon",
    ".woff2": "font/woff2", ".woff": "font/woff", ".pdf": "application/pdf", ".map": "application/json",
}
NOT_FOUND_PAGE = b"<!DOCTYPE html><meta charset=utf-8><title>Not found</title><body><h1>Not found</h1><p>%s</p></body>"


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def normalise_mount(mount: str) -> str:
    """`kb`, `/kb` and `/kb/` all mean `/kb/`."""
    parts = [p for p in mount.replace("\\", "/").split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValueError(f"--mount {mount!r} may not contain `.` or `..`; write e.g. --mount /kb/")
    return "/" + "".join(p + "/" for p in parts)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream must not keep the process alive after Ctrl-C

    def __init__(self, address: tuple[str, int], root: Path, mount: str, events: Broadcaster) -> None:
        super().__init__(address, _Handler)
        self.site_root = root
        self.mount = mount
        self.events = events
        self.bound_host = str(address[0]).strip("[]").lower()


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "sitegen"
    timeout = 20  # seconds: an idle connection gives its thread back (the event stream writes every 15 s)

    def _host_allowed(self) -> bool:
        """Refuse a Host a page of another site could send through DNS rebinding (evil.example -> 127.0.0.1)."""
        host = (self.headers.get("Host") or "").strip().lower()
        if not host:
            return True  # HTTP/1.0 without Host: not a browser, so not a rebinding attack
        name = host[1:host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
        if name == "localhost" or name.endswith(".localhost") or name == self.server.bound_host:
            return True
        try:
            ipaddress.ip_address(name)
            return True  # an address typed by the user: no name for an attacker to rebind
        except ValueError:
            return False

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per rebuild is the terminal's budget; a line per request would bury it

    def _respond(self, head: bool) -> None:
        if not self._host_allowed():
            body = b"This preview answers only to localhost, an IP address, or the --host it was given.\n"
            return self._send(HTTPStatus.MISDIRECTED_REQUEST, "text/plain; charset=utf-8", body, head)
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path == EVENTS_PATH and not head:
            return self._stream_events()
        mount = self.server.mount
        if path in ("/", mount.rstrip("/")) and mount != "/":
            return self._redirect(quote(mount))
        if not path.startswith(mount):
            return self._not_found(head, f"This preview serves the site under {mount}")
        try:
            target = self._resolve(path[len(mount):])
            is_dir = target is not None and target.is_dir()
        except (OSError, ValueError):  # a name too long for the filesystem, say: no such page
            target = None
        if target is None:
            return self._not_found(head, "No such page in the built site.")
        if is_dir:
            if not url.path.endswith("/"):
                return self._redirect(url.path + "/" + (f"?{url.query}" if url.query else ""))
            target = target / "index.html"
        try:
            body = target.read_bytes()
        except OSError:  # missing, a folder without index.html, or replaced mid-read by a rebuild
            return self._not_found(head, "No such page in the built site.")
        self._send(HTTPStatus.OK, content_type(target), body, head)

    def _resolve(self, rel: str) -> Path | None:
        """The file below the site root that `rel` names; None for anything that could leave it."""
        parts = [p for p in rel.split("/") if p]
        if any(p.startswith(".") or "\\" in p or "\0" in p for p in parts):
            return None  # `..`, and hidden files such as the build manifest or cache
        root = self.server.site_root.resolve()
        target = root.joinpath(*parts).resolve()
        return target if target == root or root in target.parents else None

    def _send(self, status: HTTPStatus, ctype: str, body: bytes, head: bool) -> None:
        if ctype.startswith("text/html"):
            body = inject(body, script_for(self.server.events.state.build))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # a preview must never show a stale page
        self.end_headers()
        if not head:
            self._write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _not_found(self, head: bool, message: str) -> None:
        page = self.server.site_root / "404.html"
        try:
            body = page.read_bytes()
        except OSError:
            body = NOT_FOUND_PAGE % html.escape(message).encode("utf-8")
        self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", body, head)

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass  # the browser went away (a reload mid-response); nothing to do

    def _stream_events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        inbox = self.server.events.subscribe()
        try:
            self.wfile.write(b"retry: 1000\n\n")  # reconnect quickly when `sitegen serve` is restarted
            while True:
                try:
                    message = inbox.get(timeout=15)
                except queue.Empty:
                    message = b": keep-alive\n\n"  # also how a closed browser tab is noticed
                if message is None:
                    return
                self.wfile.write(message)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass
        finally:
            self.server.events.unsubscribe(inbox)


class Server:
    """The preview HTTP server in a background thread. Port 0 picks a free port (for tests)."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0, mount: str = "/",
                 events: Broadcaster | None = None) -> None:
        self.events = events or Broadcaster(build_token(0))
        self.mount = normalise_mount(mount)
        self._httpd = _HTTPServer((host, port), root, self.mount, self.events)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}{quote(self.mount)}"

    def set_root(self, root: Path) -> None:
        self._httpd.site_root = root

    def start(self) -> Server:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="sitegen-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.events.close()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()


_TOKEN = f"{os.getpid():x}{time.time_ns():x}"


def build_token(n: int) -> str:
    """Differs across server restarts too, so a page left open reloads when `serve` starts again."""
    return f"{_TOKEN}-{n}"
