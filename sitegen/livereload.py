"""Live reload: the script `sitegen serve` adds to HTML responses, and the server-sent events it listens to.

The script is added to the HTTP response only, never to the files `sitegen build` writes.
"""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass
from typing import Any, Iterable

from sitegen.diagnostics import Problem

EVENTS_PATH = "/__sitegen/events"

# Every event carries the whole state, so a page that connects late (or reconnects after the server
# restarted) learns both whether it is stale and which errors to show. `build` changes only when the
# files on disk changed: a failed build shows its error without reloading the last good page.
SCRIPT = """\
<script data-sitegen-livereload>
(function () {
  var pageBuild = %(build)s, source = new EventSource(%(events)s), dismissed = null;
  function overlay(problems) {
    var old = document.getElementById("sitegen-overlay");
    if (old) old.remove();
    if (!problems.length || dismissed === JSON.stringify(problems)) return;
    var box = document.createElement("div");
    box.id = "sitegen-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:auto 1rem 1rem 1rem;z-index:2147483647;max-height:60vh;overflow:auto;" +
      "background:#2b0b0b;color:#ffe5e5;border:2px solid #e5484d;border-radius:8px;padding:1rem 1.25rem;" +
      "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 8px 30px rgba(0,0,0,.4)";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\\u00d7";
    close.setAttribute("aria-label", "Dismiss");
    close.style.cssText = "float:right;background:none;border:0;color:inherit;font-size:20px;cursor:pointer";
    close.onclick = function () { dismissed = JSON.stringify(problems); box.remove(); };
    var title = document.createElement("strong");
    title.textContent = "sitegen: " + problems.length + " error" + (problems.length === 1 ? "" : "s") +
      " in the last build (the page shows the last good output)";
    var list = document.createElement("ul");
    list.style.cssText = "margin:.5rem 0 0;padding-left:1.2rem";
    problems.forEach(function (p) {
      var item = document.createElement("li");
      item.textContent = (p.where ? p.where + ": " : "") + p.message + (p.fix ? " (fix: " + p.fix + ")" : "");
      list.appendChild(item);
    });
    box.appendChild(close);
    box.appendChild(title);
    box.appendChild(list);
    document.body.appendChild(box);
  }
  function onState(event) {
    var state = JSON.parse(event.data);
    if (state.build !== pageBuild) { source.close(); location.reload(); return; }
    overlay(state.problems);
  }
  source.addEventListener("hello", onState);
  source.addEventListener("build", onState);
})();
</script>
"""


def script_for(build_id: str, events_url: str = EVENTS_PATH) -> bytes:
    # json.dumps, then `</` escaped: the values end up inside a <script> element.
    values = {k: json.dumps(v).replace("</", "<\\/") for k, v in (("build", build_id), ("events", events_url))}
    return (SCRIPT % values).encode("utf-8")


def inject(html: bytes, script: bytes) -> bytes:
    """Add the script before the last `</body>`, or at the end of a page that has none."""
    at = html.lower().rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


def problem_payload(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """The errors the overlay lists: warnings stay in the terminal, they do not block reading."""
    return [{"where": p.location(), "message": p.message, "fix": p.fix, "kind": p.kind}
            for p in problems if p.level == "error"]


@dataclass(frozen=True)
class State:
    build: str
    problems: tuple[dict[str, Any], ...] = ()

    def event(self, name: str) -> bytes:
        data = json.dumps({"build": self.build, "problems": list(self.problems)})
        return f"event: {name}\ndata: {data}\n\n".encode("utf-8")


class Broadcaster:
    """Hands each build's state to every connected page; one queue per connection."""

    def __init__(self, first_build: str) -> None:
        self._lock = threading.Lock()
        self._clients: set[queue.Queue[bytes | None]] = set()
        self._state = State(first_build)
        self._closed = False

    @property
    def state(self) -> State:
        with self._lock:
            return self._state

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def subscribe(self) -> queue.Queue[bytes | None]:
        """A queue that starts with the current state, so a new page knows at once whether it is stale."""
        inbox: queue.Queue[bytes | None] = queue.Queue()
        with self._lock:
            inbox.put(None if self._closed else self._state.event("hello"))
            self._clients.add(inbox)
        return inbox

    def unsubscribe(self, inbox: queue.Queue[bytes | None]) -> None:
        with self._lock:
            self._clients.discard(inbox)

    def publish(self, state: State) -> None:
        with self._lock:
            self._state = state
            message = state.event("build")
            for inbox in self._clients:
                inbox.put(message)

    def close(self) -> None:
        """End every open event stream (None tells its handler to return)."""
        with self._lock:
            self._closed = True
            for inbox in self._clients:
                inbox.put(None)
