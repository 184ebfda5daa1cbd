"""A deterministic generator of realistic troubleshooting documents (seeded; same seed, same bytes).

Each document follows the troubleshooting template (YAML front matter; Problem, Environment,
Symptoms, What Didn't Work, Solution, Why This Works, Prevention), quotes real-looking error
messages (every document's symptoms are distinct from every other's) and has 400-800 words of body.
Document i is drawn from its own random stream, so the first 1,000 of 10,000 are the 1,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
from dataclasses import dataclass
from pathlib import Path

from bench.vocab import (FRAMEWORKS, MESSAGES, OFF_VOCABULARY, PYTHON_VERSIONS, TAG_POOL, VOCAB, Slots, observed,
                         snake, traceback)

SEED = 20240611
EDIT_MARK = "\n<!-- bench edit -->\n"

PROBLEM = (
    "The {service} service started failing while {verb} {noun_l} records, and every retry made it worse.",
    "After the last deploy, requests that touch `{cls}` failed for a subset of tenants.",
    "Nightly {verb} of {noun_l} data stopped halfway and left the {table} table half updated.",
    "Users reported that {noun_l} pages showed stale `{field}` values, although the database was correct.",
    "The on-call engineer was paged because the {service} gateway returned errors for `{module}`.",
    "A change to `{other_module}` broke imports in `{module}` in a way that only showed up in production.",
    "We always saw this on the first request after a restart, never in the test suite.",
    "The error appeared only under load, when several workers were {verb} the same {noun_l} at once.",
)
FILLER = (
    "It took most of a day to narrow down, because the logs pointed at the wrong layer.",
    "The key observation was that the failure depended on the order in which modules were imported.",
    "Nothing in the code of `{func}` had changed; the behaviour changed with the environment around it.",
    "We reproduced it locally by running the {service} container with the production settings.",
    "The gateway in front of the service hid the original error behind a generic response.",
    "Every deploy restarted the workers, which is why the problem always looked intermittent.",
    "Reading the full traceback instead of the last line showed where the session was actually closed.",
    "The same pattern exists in three other repositories, so the fix was written up here.",
    "The {table} table has about {rows} rows, which is enough to make a missing index visible.",
    "Metrics showed the connection count climbing steadily until the pool was exhausted.",
    "The test suite did not catch it because fixtures created a fresh `{cls}` for every test.",
    "Once the cause was clear the change itself was small, but finding it was not.",
    "A cache key that ignored `{field}` meant two different requests shared one cached answer.",
    "We added logging around `{func}` to see the arguments it received in production.",
    "Rolling back the deploy made the symptom go away, which confirmed it was a code change.",
    "The API key used by the job belonged to a sandbox account, so some calls were always rejected.",
    "Staging never showed it because staging runs a single worker process.",
    "Load tests with {count} concurrent requests reproduced the failure within a minute.",
)
ATTEMPTS = (
    ("Restarted the {service} workers.", "The error came back as soon as the first batch of {noun_l} jobs ran."),
    ("Increased the timeout on `{func}` to 120 seconds.", "That only delayed the failure; the underlying call still never completed."),
    ("Pinned the previous version of the client library.", "The bug was in our code, so the pin changed nothing."),
    ("Cleared the Redis cache for `{table}`.", "Stale entries were written again within minutes by the same code path."),
    ("Moved the import of `{cls}` inside the function.", "It hid the circular import in one place and it reappeared in another module."),
    ("Added a retry decorator around `{func}`.", "Retries multiplied the load on {host} and made the outage longer."),
    ("Set `expire_on_commit=False` on the session factory.", "Relationships that were never loaded still could not be read after the session closed."),
    ("Raised the pool size from 5 to 50.", "The database hit its own connection limit instead and refused new clients."),
    ("Rebuilt the Docker image without cache.", "The image was fine; the configuration it was started with was wrong."),
)
# Clauses combined into sentences, so long bodies do not repeat themselves.
OPENERS = ("At first", "During the incident", "In the logs", "On the dashboard", "Under load", "In staging",
           "After the rollback", "Later that week", "With tracing enabled", "In the flame graph", "On Monday",
           "Before the migration", "In the worker logs", "From the client side", "Behind the load balancer")
ACTORS = ("the scheduler", "the retry loop", "the ORM", "the connection pool", "the serializer", "the middleware",
          "the health check", "the gateway", "the cron job", "the import hook", "the test fixture", "the webhook consumer",
          "the rate limiter", "the session factory", "the config loader", "the background task", "the query planner")
ACTIONS = ("opened a new connection for", "silently swallowed the error from", "retried", "cached the result of",
           "serialised", "timed out while waiting for", "reordered", "skipped", "re-imported", "validated",
           "duplicated", "dropped", "locked", "lazily loaded", "rejected", "throttled", "logged only the summary of")
OBJECTS = ("every {noun_l} request", "the `{field}` column", "the first batch", "each tenant's settings",
           "the upstream response", "the {table} rows", "the JWT claims", "the pending futures", "the outbox table",
           "the signed payload", "the nightly export", "the health endpoint", "the secrets mount", "the read replica")
OUTCOMES = ("which explained the spikes", "so the numbers never added up", "and nobody noticed for weeks",
            "which doubled the latency", "so retries made it worse", "and the alert fired too late",
            "which matched the timestamps exactly", "so the bug looked random", "and memory kept growing",
            "which is why restarts helped briefly", "so the dashboards stayed green", "and the queue backed up")


def _clause(rng: random.Random) -> str:
    return (f"{rng.choice(OPENERS)}, {rng.choice(ACTORS)} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)}, "
            f"{rng.choice(OUTCOMES)}.")


SOLUTION = (
    "The fix was to give `{func}` its own session for the whole unit of work and to load `{field}` eagerly.",
    "We moved the shared types into `app.{area}.types` so neither module imports the other at import time.",
    "The key change was to pass `{field}` explicitly instead of relying on a default read at import time.",
    "We added the missing index and rewrote the query so it filters on `{field}` before joining.",
    "Requests now go through one client with a bounded pool, created once at startup and closed on shutdown.",
    "The migration was regenerated against the current schema and applied before the new code was deployed.",
    "The gateway now forwards the upstream status and body, so the real error is visible to the caller.",
)
WHY = (
    "Python executes a module top to bottom on first import, so a name used at import time must already exist.",
    "A session owns its connection; an object loaded in one session cannot lazily load through another.",
    "Without an index on `{field}` the planner has to scan every row of `{table}` for each request.",
    "Creating the client once means connections are reused instead of opened for every call.",
    "Event loops own their futures, so an object created under one loop cannot be awaited from another.",
    "Keying the cache on every input that changes the answer makes stale reads impossible by construction.",
    "Applying migrations before the deploy means the new code never sees the old schema.",
    "This always holds, because the gateway and the service now agree on the timeout budget.",
)
PREVENTION = (
    "Add a test that imports `{module}` on its own, in a fresh interpreter.",
    "Run `alembic check` in CI so a model change without a migration fails the build.",
    "Alert when the pool's checked-out connections stay above 80% for five minutes.",
    "Keep API keys for each environment in the secret store, never in `.env` files in the image.",
    "Log the upstream status code at the gateway, not only the status it returns.",
    "Review every new relationship on `{noun}` for how it is loaded in background jobs.",
    "Use one `AsyncClient` per process and close it in the lifespan handler.",
    "Document the deploy order: migrations first, then the {service} workers, then the API.",
)


def _python_block(s: Slots) -> str:
    return (f"```python\n# Before (broken):\nfrom {s.other_module} import {s.cls}\n\n"
            f"def {s.func}({s.field}: int):\n    with SessionLocal() as session:\n"
            f"        return session.get({s.noun}, {s.field})\n\n"
            f"# After (fixed):\ndef {s.func}(session: Session, {s.field}: int) -> {s.noun}:\n"
            f"    from {s.other_module} import {s.cls}  # imported late: breaks the cycle\n"
            f"    stmt = select({s.noun}).options(selectinload({s.noun}.{snake(s.other)})).where({s.noun}.{s.field} == {s.field})\n"
            f"    return session.execute(stmt).scalar_one()\n```")


def _bash_block(s: Slots) -> str:
    return (f"```bash\npip install --upgrade 'sqlalchemy>=2.0.27'\nalembic upgrade head\n"
            f"kubectl rollout restart deployment/{s.service}\n"
            f"curl -sS -X POST https://{s.host}/api/{s.table} -H 'Authorization: Bearer $API_KEY' | jq .\n```")


def _sql_block(s: Slots) -> str:
    return (f"```sql\nCREATE INDEX CONCURRENTLY ix_{s.table}_{s.field} ON {s.table} ({s.field});\n"
            f"EXPLAIN ANALYZE SELECT * FROM {s.table} WHERE {s.field} = $1 ORDER BY created_at DESC LIMIT 50;\n```")


@dataclass(frozen=True)
class GeneratedDoc:
    rel: str  # path below the content folder
    text: str
    symptoms: tuple[str, ...]


def _quote(value: str) -> str:
    """A YAML scalar: single-quoted on one line, or a literal block for a multi-line traceback."""
    if "\n" in value:
        return "|\n" + "\n".join("    " + line for line in value.split("\n"))
    return "'" + value.replace("'", "''") + "'"


def _pick(rng: random.Random, field: str) -> str:
    if rng.random() < 0.06 and field in OFF_VOCABULARY:
        return rng.choice(OFF_VOCABULARY[field])
    return rng.choice(VOCAB[field])


def _symptoms(rng: random.Random, s: Slots, seen: set[str]) -> list[str]:
    out: list[str] = []
    for n in range(rng.choice((1, 2, 2, 3, 3, 4))):
        for _ in range(20):
            message = rng.choice(MESSAGES)(s) if n == 0 or rng.random() < 0.7 else observed(s)
            if n == 0 and rng.random() < 0.15:
                message = traceback(s, message)
            if message not in seen:
                seen.add(message)
                out.append(message)
                break
    return out


def _fill(template: str, s: Slots, rng: random.Random) -> str:
    return template.format(service=s.service, verb=s.verb, noun=s.noun, noun_l=s.noun.lower(), cls=s.cls, field=s.field,
                           table=s.table, module=s.module, other_module=s.other_module, func=s.func, host=s.host,
                           area=s.area, rows=f"{rng.randint(2, 90)} million", count=rng.randint(20, 2000))


def _title(rng: random.Random, s: Slots, first: str) -> str:
    last = first.strip().split("\n")[-1]
    name = re.match(r"([\w.]+)", last)
    short = name.group(1).rsplit(".", 1)[-1] if name else "Error"
    if not name or not re.search(r"(Error|Exception|Exceeded|Detected|Greenlet)$", short):
        short = rng.choice(("Failures", "Timeouts", "Stale data", "Errors", "Slow responses"))
    return rng.choice((
        f"{short} When {s.verb.title()} {s.noun} Records",
        f"{short} in {s.cls} After Deploy",
        f"{s.noun} {s.verb} fails with {short}",
        f"Fixing {short} in {s.module}",
    ))


def make_doc(seed: int, i: int, seen: set[str]) -> GeneratedDoc:
    """Document number `i` of the set drawn with `seed`; `seen` keeps symptoms distinct across documents."""
    rng = random.Random(f"{seed}:{i}")
    s = Slots(rng)
    symptoms = _symptoms(rng, s, seen)
    date = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 1060))
    component = _pick(rng, "component")
    meta = [
        "---",
        f"module: {s.module}",
        f"date: {date.isoformat()}",
        f"problem_type: {_pick(rng, 'problem_type')}",
        f"component: [{component}, {_pick(rng, 'component')}]" if rng.random() < 0.05 else f"component: {component}",
        "symptoms:",
        *(f"  - {_quote(m)}" for m in symptoms),
        f"root_cause: {_pick(rng, 'root_cause')}",
    ]
    if rng.random() < 0.7:
        meta.append(f"python_version: '{rng.choice(PYTHON_VERSIONS)}'")
        meta.append(f"framework: {rng.choice(FRAMEWORKS)}")
    meta += [
        f"resolution_type: {_pick(rng, 'resolution_type')}",
        f"severity: {_pick(rng, 'severity')}",
        f"tags: [{', '.join(rng.sample(TAG_POOL, rng.randint(2, 5)))}]",
        "---",
    ]
    title = _title(rng, s, symptoms[0])
    fill = lambda t: _fill(t, s, rng)  # noqa: E731
    target = rng.randint(430, 790)  # body words; the fixed parts add a little
    problem = [fill(rng.choice(PROBLEM))]
    why = [fill(rng.choice(WHY))]
    solution = [fill(rng.choice(SOLUTION))]
    attempts = rng.sample(ATTEMPTS, rng.randint(1, 3))

    def body() -> str:
        parts = [
            f"# {title}", "", "## Problem", " ".join(problem), "",
            "## Environment", f"- Module: {s.module}", f"- Affected Component: `{s.cls}`",
            f"- Date: {date.isoformat()}", "",
            "## Symptoms", *(f"- `{m.strip().splitlines()[-1]}`" for m in symptoms), "",
            "## What Didn't Work", "",
        ]
        for n, (tried, failed) in enumerate(attempts, 1):
            parts += [f"**Attempted Solution {n}:** {fill(tried)}", f"- **Why it failed:** {fill(failed)}", ""]
        parts += ["## Solution", " ".join(solution), "", code, "", "## Why This Works", " ".join(why), "",
                  "## Prevention", *(f"- {fill(p)}" for p in prevention), ""]
        return "\n".join(parts)

    code = rng.choice((_python_block, _python_block, _bash_block, _sql_block))(s)
    prevention = rng.sample(PREVENTION, 3)
    fillers = list(FILLER)
    rng.shuffle(fillers)
    while len(body().split()) < target:
        sentence = fill(fillers.pop() if fillers and rng.random() < 0.5 else _clause(rng))
        rng.choice((problem, why, solution)).append(sentence)
    folder = component.replace("_", "-")
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
    name = f"{date.isoformat()}-{stem}-{i:05d}.md" if rng.random() < 0.4 else f"{stem}-{i:05d}.md"
    return GeneratedDoc(f"{folder}/{name}", "\n".join(meta) + "\n\n" + body(), tuple(symptoms))


def generate(count: int, seed: int = SEED) -> list[GeneratedDoc]:
    seen: set[str] = set()
    return [make_doc(seed, i, seen) for i in range(count)]


def write_docs(folder: Path, count: int, seed: int = SEED) -> list[GeneratedDoc]:
    """Write the set into `folder`: rewrite only what differs, remove .md files that are not in it."""
    docs = generate(count, seed)
    wanted = {doc.rel for doc in docs}
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.rglob("*.md"):
        if old.relative_to(folder).as_posix() not in wanted:
            old.unlink()
    for doc in docs:
        path = folder / doc.rel
        data = doc.text.encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return docs


def edit_document(path: Path, n: int) -> None:
    """Change one document's body (not its front matter), as an author fixing a sentence would."""
    text = path.read_text(encoding="utf-8").split(EDIT_MARK)[0]
    path.write_text(text + EDIT_MARK + f"\nReviewed again in edit {n}: the fix still holds.\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("-n", "--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    docs = write_docs(args.folder, args.count, args.seed)
    print(f"wrote {len(docs)} documents into {args.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
