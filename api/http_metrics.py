"""Counts and times every HTTP request by its route template (`/api/v1/cases/{case_id}`),
never by the raw path: paths carry case ids and tracking tokens."""

import time

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from observability.metrics import HTTP_DURATION, HTTP_REQUESTS

# requests no route took: unknown paths, and those the abuse limits turned away first
UNROUTED = "<unrouted>"


def route_template(scope: Scope) -> str:
    route: BaseRoute | None = scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or UNROUTED


class HttpMetrics:
    """The outermost middleware, so a 429 or a 413 of the limits is counted too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status = 500  # what the server answers if the app fails before it starts a response
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route, method = route_template(scope), scope["method"]
            HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            HTTP_DURATION.labels(route=route, method=method).observe(time.perf_counter() - started)
