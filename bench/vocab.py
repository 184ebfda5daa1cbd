"""Word pools and error-message templates for the generator: what real troubleshooting docs quote."""

from __future__ import annotations

import random
from typing import Callable

from sitegen.config import DEFAULT_VOCABULARIES

# A few values outside the suggested vocabulary, as real knowledge bases have them.
OFF_VOCABULARY: dict[str, tuple[str, ...]] = {
    "problem_type": ("architecture_pattern", "deployment_issue", "build_error", "flaky_test"),
    "component": ("frontend", "infrastructure", "payments", "ci_pipeline", "api_gateway"),
    "root_cause": ("thread_safety", "clock_skew", "dns_resolution", "stale_build_artifact"),
    "resolution_type": ("rollback", "workaround", "infrastructure_change"),
}
VOCAB = DEFAULT_VOCABULARIES

NOUNS = (
    "Parcel", "Invoice", "Order", "Shipment", "Tenant", "Customer", "Payment", "Refund", "Subscription",
    "Webhook", "Account", "Report", "Warehouse", "Carrier", "Label", "Quote", "Ledger", "Voucher", "Coupon",
    "Cart", "Product", "Inventory", "Notification", "AuditLog", "Export", "Upload", "Batch", "Schedule",
    "Route", "Driver", "Vehicle", "Contract", "Project", "Workspace", "Member", "Role", "Permission",
    "ApiKey", "Plan", "Receipt", "Manifest", "Pickup", "Address", "Claim", "Dispute", "Payout",
)
CLASS_SUFFIXES = (
    "Service", "Repository", "Serializer", "Schema", "Manager", "Client", "Handler", "Validator", "Factory",
    "Router", "Worker", "Cache", "Settings", "Model", "View", "Adapter", "Gateway", "Resolver", "Consumer",
)
AREAS = (
    "api", "services", "repositories", "models", "schemas", "workers", "tasks", "core", "db", "integrations",
    "auth", "billing", "shipping", "notifications", "utils", "graphql", "middleware", "cli", "events",
)
MODULE_KINDS = ("service", "repo", "models", "schemas", "tasks", "views", "client", "utils", "handlers", "deps")
FIELDS = (
    "customer_id", "created_at", "tenant_id", "amount_cents", "status", "external_ref", "due_date",
    "webhook_url", "api_key", "retry_count", "line_items", "currency", "shipped_at", "tracking_number",
    "owner_id", "expires_at", "idempotency_key", "postal_code", "weight_grams", "carrier_code", "plan_id",
    "signature", "callback_url", "region", "batch_size", "priority", "locale", "archived_at",
)
VERBS = (
    "rendering", "exporting", "syncing", "importing", "refunding", "shipping", "validating", "archiving",
    "creating", "updating", "deleting", "paginating", "reconciling", "billing", "notifying", "scheduling",
    "caching", "serialising", "migrating", "indexing", "uploading", "retrying", "authorising",
)
HOSTS = (
    "db-primary.internal", "pg-replica-2.internal", "redis-cache-01", "pgbouncer.svc.cluster.local",
    "rabbitmq.internal", "kafka-broker-3", "api.stripe.com", "api.easypost.com", "hooks.slack.com",
    "auth.example.io", "s3.eu-west-1.amazonaws.com", "search-es-01.internal", "gateway.internal",
)
SERVICES = ("api", "worker", "scheduler", "gateway", "billing-api", "label-renderer", "webhooks", "sync-worker")
ETH_METHODS = (
    "eth_sendRawTransaction", "eth_getTransactionReceipt", "eth_estimateGas", "eth_call", "eth_getLogs",
    "eth_getBlockByNumber", "eth_feeHistory", "eth_chainId", "eth_getBalance", "net_version",
)
JS_PROPS = ("userId", "accessToken", "lineItems", "createdAt", "shippingAddress", "tenantSlug", "retryAfter",
            "nextCursor", "totalCount", "webhookSecret", "trackingUrl", "planTier")
FRAMEWORKS = (
    "FastAPI 0.104.1", "FastAPI 0.110.0", "FastAPI 0.115.2", "Django 4.2", "Django 5.0", "Flask 3.0",
    "Starlette 0.37.2", "Celery 5.3.6", "SQLAlchemy 2.0.27", "Pydantic 2.6.1",
)
PYTHON_VERSIONS = ("3.10", "3.11", "3.11.8", "3.12", "3.12.2", "3.13")
TAG_POOL = (
    "sqlalchemy", "asyncio", "pydantic", "celery", "redis", "postgres", "alembic", "pytest", "docker",
    "kubernetes", "nginx", "gunicorn", "uvicorn", "jwt", "oauth", "graphql", "websocket", "migrations",
    "circular-import", "n-plus-one", "timeouts", "retries", "deploy", "ci", "caching", "logging", "web3",
    "ethereum", "stripe", "s3", "rate-limiting", "pagination", "serialization", "typing", "mypy", "gateway",
)
HTTP_STATUSES = (
    ("400", "Bad Request"), ("401", "Unauthorized"), ("403", "Forbidden"), ("404", "Not Found"),
    ("409", "Conflict"), ("413", "Payload Too Large"), ("422", "Unprocessable Entity"),
    ("429", "Too Many Requests"), ("500", "Internal Server Error"), ("502", "Bad Gateway"),
    ("503", "Service Unavailable"), ("504", "Gateway Timeout"),
)


def snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class Slots:
    """The names one document is about; its messages, prose and code all draw from them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.noun = rng.choice(NOUNS)
        self.other = rng.choice([n for n in NOUNS if n != self.noun])
        self.cls = self.noun + rng.choice(CLASS_SUFFIXES)
        self.area = rng.choice(AREAS)
        self.module = f"app.{self.area}.{snake(self.noun)}_{rng.choice(MODULE_KINDS)}"
        self.other_module = f"app.{rng.choice(AREAS)}.{snake(self.other)}_{rng.choice(MODULE_KINDS)}"
        self.field = rng.choice(FIELDS)
        self.table = snake(self.noun) + "s"
        self.verb = rng.choice(VERBS)
        self.host = rng.choice(HOSTS)
        self.service = rng.choice(SERVICES)
        self.func = f"{rng.choice(('get', 'load', 'create', 'sync', 'fetch', 'build', 'send'))}_{snake(self.noun)}"
        self.method = rng.choice(ETH_METHODS)
        self.prop = rng.choice(JS_PROPS)

    def line(self) -> int:
        return self.rng.randint(12, 480)

    def path(self, module: str | None = None) -> str:
        return "/srv/app/" + (module or self.module).replace(".", "/") + ".py"


def _import_cycle(s: Slots) -> str:
    return (f"ImportError: cannot import name '{s.cls}' from partially initialized module '{s.other_module}' "
            f"(most likely due to a circular import) ({s.path(s.other_module)})")


def _module_missing(s: Slots) -> str:
    return f"ModuleNotFoundError: No module named '{s.module.rsplit('.', 1)[0]}.{snake(s.other)}_{s.rng.choice(MODULE_KINDS)}'"


def _attribute_none(s: Slots) -> str:
    return f"AttributeError: 'NoneType' object has no attribute '{s.field}' in {s.cls}.{s.func}"


def _type_kwarg(s: Slots) -> str:
    return f"TypeError: {s.cls}.__init__() got an unexpected keyword argument '{s.field}'"


def _key_error(s: Slots) -> str:
    return f"KeyError: '{s.field}' while {s.verb} {s.noun.lower()} {s.rng.randint(1000, 999999)}"


def _detached(s: Slots) -> str:
    return (f"sqlalchemy.orm.exc.DetachedInstanceError: Parent instance <{s.noun} at 0x7f{s.rng.getrandbits(40):010x}> "
            f"is not bound to a Session; lazy load operation of attribute '{snake(s.other)}' cannot proceed")


def _greenlet(s: Slots) -> str:
    return (f"sqlalchemy.exc.MissingGreenlet: greenlet_spawn has not been called; can't call await_only() here. "
            f"Was IO attempted in an unexpected place? (in {s.cls}.{s.func})")


def _pool(s: Slots) -> str:
    size = s.rng.choice((5, 10, 20))
    return (f"sqlalchemy.exc.TimeoutError: QueuePool limit of size {size} overflow {size * 2} reached, "
            f"connection timed out, timeout {s.rng.choice((10, 30, 60))}.00 (host {s.host})")


def _undefined_table(s: Slots) -> str:
    return f'psycopg2.errors.UndefinedTable: relation "{s.table}" does not exist LINE 1: SELECT {s.table}.{s.field} FROM {s.table}'


def _unique(s: Slots) -> str:
    return (f'asyncpg.exceptions.UniqueViolationError: duplicate key value violates unique constraint '
            f'"{s.table}_{s.field}_key" DETAIL: Key ({s.field})=({s.rng.randint(10, 99999)}) already exists.')


def _deadlock(s: Slots) -> str:
    return (f"psycopg.errors.DeadlockDetected: deadlock detected DETAIL: Process {s.rng.randint(1000, 99999)} waits "
            f'for ShareLock on transaction {s.rng.randint(10**6, 10**7)}; blocked by process {s.rng.randint(1000, 99999)}. '
            f'CONTEXT: while updating tuple in relation "{s.table}"')


def _mysql_lock(s: Slots) -> str:
    return f"ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction (UPDATE {s.table} SET {s.field} = ...)"


def _validation(s: Slots) -> str:
    return (f"pydantic_core._pydantic_core.ValidationError: 1 validation error for {s.noun}Create "
            f"{s.field} Field required [type=missing, input_value={{'id': {s.rng.randint(1, 9999)}}}, input_type=dict]")


def _http_client(s: Slots) -> str:
    code, reason = s.rng.choice(HTTP_STATUSES)
    return (f"httpx.HTTPStatusError: Client error '{code} {reason}' for url "
            f"'https://{s.host}/v{s.rng.randint(1, 3)}/{s.table}/{s.rng.randint(100, 99999)}'")


def _http_gateway(s: Slots) -> str:
    code, reason = s.rng.choice(HTTP_STATUSES[8:])
    return f"HTTP {code} {reason} from the {s.service} gateway on POST /api/{s.table} after every deploy"


def _requests(s: Slots) -> str:
    return (f"requests.exceptions.ConnectionError: HTTPSConnectionPool(host='{s.host}', port=443): Max retries exceeded "
            f"with url: /v1/{s.table}?{s.field}={s.rng.randint(1, 500)}")


def _redis(s: Slots) -> str:
    return f"redis.exceptions.ConnectionError: Error 111 connecting to {s.host}:{s.rng.choice((6379, 6380, 26379))}. Connection refused. ({s.cls})"


def _loop(s: Slots) -> str:
    return (f"RuntimeError: Task <Task pending name='Task-{s.rng.randint(2, 900)}' coro=<{s.cls}.{s.func}() running at "
            f"{s.path()}:{s.line()}>> got Future <Future pending> attached to a different loop")


def _jwt(s: Slots) -> str:
    return f"jwt.exceptions.InvalidAudienceError: Audience doesn't match (expected '{s.service}', token for '{s.host}')"


def _celery(s: Slots) -> str:
    return (f"celery.exceptions.SoftTimeLimitExceeded: SoftTimeLimitExceeded() in task "
            f"{s.module}.{s.func}[{s.rng.getrandbits(64):016x}]")


def _json(s: Slots) -> str:
    return f"json.decoder.JSONDecodeError: Expecting value: line 1 column {s.rng.randint(1, 90)} (char {s.rng.randint(0, 900)}) in {s.cls}.parse"


def _eth(s: Slots) -> str:
    reason = s.rng.choice(("nonce too low", "replacement transaction underpriced", "insufficient funds for gas * price + value",
                           "execution reverted", "already known", "header not found"))
    return f"{s.method}: {reason} (code -32000) from {s.cls} at block {s.rng.randint(10**6, 2 * 10**7)}"


def _js(s: Slots) -> str:
    return f"TypeError: Cannot read properties of undefined (reading '{s.prop}') at {s.noun.lower()}List.{s.prop}Changed"


def _alembic(s: Slots) -> str:
    return f"alembic.util.exc.CommandError: Can't locate revision identified by '{s.rng.getrandbits(48):012x}' ({s.table})"


def _django(s: Slots) -> str:
    return f"django.core.exceptions.ImproperlyConfigured: {s.cls} requires the '{s.field}' setting in {s.module}"


def _assertion(s: Slots) -> str:
    a, b = s.rng.randint(0, 40), s.rng.randint(41, 90)
    return f"AssertionError: assert {a} == {b} in tests/test_{snake(s.noun)}_{s.rng.choice(MODULE_KINDS)}.py::test_{s.verb}_{s.field}"


def observed(s: Slots) -> str:
    return s.rng.choice((
        f"p95 latency of GET /api/{s.table} rose from 80 ms to {s.rng.randint(900, 9000)} ms after the release",
        f"{s.service} worker memory grows by about {s.rng.randint(20, 400)} MB per hour until it is OOM-killed",
        f"Only {s.rng.randint(2, 60)}% of {s.noun.lower()} webhooks were delivered; the rest stayed pending",
        f"{s.noun} pages show the previous {s.field} for up to {s.rng.randint(2, 90)} minutes after an update",
        f"The {s.verb} job finished but {s.rng.randint(3, 900)} {s.table} rows were missing from the export",
        f"Tests pass alone but test_{s.verb}_{snake(s.noun)} fails when the whole suite runs ({s.rng.randint(2, 30)} of 40 runs)",
    ))


MESSAGES: tuple[Callable[[Slots], str], ...] = (
    _import_cycle, _module_missing, _attribute_none, _type_kwarg, _key_error, _detached, _greenlet, _pool,
    _undefined_table, _unique, _deadlock, _mysql_lock, _validation, _http_client, _http_gateway, _requests,
    _redis, _loop, _jwt, _celery, _json, _eth, _js, _alembic, _django, _assertion,
)


def traceback(s: Slots, last_line: str) -> str:
    """A full Python traceback ending in `last_line`, as users paste them."""
    frames = []
    for module, func in ((f"{s.other_module}", "main"), (s.module, s.func), (f"app.{s.area}.deps", "get_session")):
        frames.append(f'  File "{s.path(module)}", line {s.line()}, in {func}\n    result = {func}({s.field}={s.field})')
    return "Traceback (most recent call last):\n" + "\n".join(frames) + "\n" + last_line
