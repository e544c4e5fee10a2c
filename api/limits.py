"""Abuse limits, enforced before any work starts: a per-key request rate (the `limits`
library's moving window, 429 with Retry-After) and a request body size (413 before the
body is read whole, whether it declares its length or streams in chunks)."""

import hashlib
import math
import time

from fastapi import HTTPException
from limits import RateLimitItem
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import envelope
from settings import Settings, parse_rate_limit

# probes from the orchestrator and Prometheus scrapes carry no key and must never be turned away
EXEMPT = ("/healthz", "/metrics")


def _settings(scope: Scope) -> Settings:
    return scope["app"].state.services.settings


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def caller(scope: Scope) -> str:
    """The API key (hashed, never kept in clear), or the client address without one."""
    auth = _header(scope, b"authorization") or ""
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token:
        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    client = scope.get("client")
    return f"addr:{client[0] if client else '-'}"


class RateLimit:
    """At most `rate_limit` requests per caller, answered 429 with Retry-After beyond it.
    The window is kept in this process: with N API replicas, a caller gets N times it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.item: RateLimitItem | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            return await self.app(scope, receive, send)
        item = self.item = self.item or parse_rate_limit(_settings(scope).rate_limit)
        who = caller(scope)
        if self.limiter.hit(item, who):
            return await self.app(scope, receive, send)
        reset = self.limiter.get_window_stats(item, who).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        response = envelope(
            429,
            "too_many_requests",
            f"more than {item} requests from this key; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
        await response(scope, receive, send)


class BodyLimit:
    """Refuses a body over `max_body_bytes`: by its declared length at once, or as soon as
    a streamed body passes the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = _settings(scope).max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await too_large(limit)(scope, receive, send)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                # FastAPI lets an HTTPException from reading the body through as it is
                raise HTTPException(413, f"the request body is over {limit} bytes")
            return message

        await self.app(scope, counted, send)


def too_large(limit: int):  # noqa: ANN201 - a Starlette response, used as an ASGI app
    return envelope(413, "payload_too_large", f"the request body is over {limit} bytes")
