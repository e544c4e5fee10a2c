"""One error envelope for every failure: `{"error": {"code", "message", ...}}`."""

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from temporalio.exceptions import ApplicationError

from api.schemas import NO_NUL, ErrorEnvelope
from models import errors
from models.domain import NUL_MESSAGE
from models.errors import ErrorKind

log = logging.getLogger("repairflow.api")

# PostgreSQL's character_not_in_repertoire: a text value with a NUL, which it cannot store
NUL_IN_TEXT = "22021"
# admin_shutdown, crash_shutdown, cannot_connect_now
SHUTTING_DOWN = ("57P01", "57P02", "57P03")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


# each business error kind as the API answers it: status, code, and the name its detail goes by
KINDS: dict[ErrorKind, tuple[int, str, str | None]] = {
    ErrorKind.INVALID_STAGE: (409, "invalid_stage", "stage"),
    ErrorKind.DUPLICATE_OPEN_CASE: (409, "duplicate_open_case", "case_id"),
    ErrorKind.INVALID_INPUT: (422, "validation_error", "fields"),
    ErrorKind.NOT_ASSIGNED: (404, "not_found", None),
    ErrorKind.IDEMPOTENCY_KEY_REUSED: (422, "idempotency_key_reused", None),
    ErrorKind.UNRECORDABLE: (422, "unrecordable", None),
    ErrorKind.NOT_RECORDED: (503, "not_recorded", None),
    ErrorKind.CLOSED: (409, "closed", "state"),
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        kind: ErrorKind | None = None,
        **extra: Any,
    ):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers, self.kind, self.extra = headers, kind, extra


def business(err: ApplicationError) -> ApiError:
    """The answer to a business error, raised by the workflow or by the API's own checks."""
    kind = errors.kind_of(err)
    assert kind is not None, err
    status, code, detail_name = KINDS[kind]
    detail = errors.detail(err)
    if kind is ErrorKind.NOT_ASSIGNED:
        return not_found(str(detail))  # the same answer as for a case that does not exist
    if kind is ErrorKind.INVALID_INPUT and not isinstance(detail, list):
        detail = []
    answer = ApiError(status, code, err.message, kind=kind)
    if detail_name:
        answer.extra[detail_name] = detail
    return answer


def not_found(case_id: str) -> ApiError:
    return ApiError(404, "not_found", f"case {case_id} not found")


def insufficient_stock(part_number: str, available: int) -> ApiError:
    """A stock adjustment that would leave less on hand than the cases hold."""
    return ApiError(
        409,
        "insufficient_stock",
        f"part {part_number} has {available} not reserved for cases; on_hand may not go below what is reserved",
        available=available,
    )


def invalid(fields: list[errors.FieldError], message: str = errors.INVALID_INPUT) -> ApiError:
    return business(errors.invalid_fields(fields, message))


def temporal_unavailable(message: str = "the workflow service is unavailable; try again") -> ApiError:
    return ApiError(503, "temporal_unavailable", message)


def envelope(status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status, headers)


def field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "customer", "phone") -> "customer.phone"; ("query", "limit") -> "limit"
    parts = loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc
    return ".".join(str(p) for p in parts) or "body"


def clean_message(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


async def _api_error(request: Request, err: ApiError) -> JSONResponse:
    return envelope(err.status, err.code, err.message, err.headers, **err.extra)


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") == NO_NUL:
        return NUL_MESSAGE  # a path or query text with a NUL
    return clean_message(error.get("msg", "invalid"))


async def _validation(request: Request, err: RequestValidationError) -> JSONResponse:
    fields: list[errors.FieldError] = [
        {
            "field": "body" if e.get("type") == "json_invalid" else field_name(tuple(e.get("loc", ()))),
            "message": _message(e),
        }
        for e in err.errors()
    ]
    return await _api_error(request, invalid(fields))


def _routes(routes: Any) -> Any:
    try:  # FastAPI keeps included routers whole; this walks the routes inside them
        from fastapi.routing import iter_route_contexts
    except ImportError:  # before it, include_router copied the routes into the app's
        return routes
    return iter_route_contexts(routes)


def allowed_methods(request: Request) -> str:
    """Every method the app serves on the request's path (the router's 405 names at most those
    of the first route it tried, and GET and POST /api/v1/cases are two routes)."""
    methods: set[str] = set()
    for route in _routes(request.app.routes):
        path, served = getattr(route, "path", None), getattr(route, "methods", None)
        if path and served and compile_path(path)[0].match(request.scope["path"]):
            methods |= served
    return ", ".join(sorted(methods))


async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
    code = HTTP_CODES.get(err.status_code, "error" if err.status_code < 500 else "server_error")
    message = err.detail if isinstance(err.detail, str) else code.replace("_", " ")
    headers = getattr(err, "headers", None)
    if err.status_code == 404 and message == "Not Found":
        message = f"no route for {request.method} {request.url.path}"
    elif err.status_code == 405:
        headers = {**(headers or {}), "Allow": allowed_methods(request)}
        if message == "Method Not Allowed":
            message = f"{request.method} is not allowed on {request.url.path}"
    return envelope(err.status_code, code, message, headers)


async def _database(request: Request, err: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", err)
    return envelope(503, "database_unavailable", "the database is unavailable; try again")


def connection_lost(err: DBAPIError) -> bool:
    """The server went away or is shutting down, as on a restart: try again, not a bug."""
    state = getattr(err.orig, "sqlstate", None) or ""
    return (
        err.connection_invalidated
        or state.startswith("08")
        or state in SHUTTING_DOWN
        or isinstance(err, InterfaceError)
        or "another operation is in progress" in str(err.orig)
        or "connection was closed" in str(err.orig)
    )


async def _dbapi(request: Request, err: DBAPIError) -> JSONResponse:
    if connection_lost(err):
        return await _database(request, err)
    # the API only reads, so a NUL that PostgreSQL refuses came with the request (path or query)
    if getattr(err.orig, "sqlstate", None) != NUL_IN_TEXT:
        return await _unexpected(request, err)
    fields: list[errors.FieldError] = [
        {"field": name, "message": NUL_MESSAGE}
        for name, value in [*request.path_params.items(), *request.query_params.items()]
        if "\x00" in value
    ]
    return await _api_error(request, invalid(fields or [{"field": "request", "message": NUL_MESSAGE}]))


async def _os_error(request: Request, err: OSError) -> JSONResponse:
    # asyncpg lets the socket's own error through when it cannot reach the server
    if any("asyncpg" in frame.filename for frame in traceback.extract_tb(err.__traceback__)):
        return await _database(request, err)
    return await _unexpected(request, err)


async def _unexpected(request: Request, err: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return envelope(500, "internal_error", "internal server error")


E = TypeVar("E", bound=Exception)


def _on(app: FastAPI, kind: type[E], handle: Callable[[Request, E], Awaitable[Response]]) -> None:
    async def handler(request: Request, err: Exception) -> Response:
        assert isinstance(err, kind)  # Starlette picks the handler by the error's class
        return await handle(request, err)

    app.add_exception_handler(kind, handler)


def install(app: FastAPI) -> None:
    _on(app, ApiError, _api_error)
    _on(app, RequestValidationError, _validation)
    _on(app, StarletteHTTPException, _http)
    for exc in (OperationalError, InterfaceError, PoolTimeout):
        _on(app, exc, _database)
    _on(app, DBAPIError, _dbapi)
    _on(app, OSError, _os_error)
    _on(app, Exception, _unexpected)


RESPONSES = {
    400: "the body could not be read as JSON",
    401: "missing or unknown API key",
    403: "role not allowed",
    404: "unknown case or part",
    409: "not valid in the current stage, a duplicate open case, or not enough stock",
    413: "the request body is over the size limit",
    422: "invalid input (field errors), a reused Idempotency-Key, or data the database refuses",
    429: "too many requests from this key: see Retry-After",
    503: "Temporal or the database is unavailable, or the change could not be recorded in time",
}
# every route may meet these, whatever it does
ALWAYS = (429, 503)
# and these when it takes a body
WITH_BODY = (400, 413)


def responses(*statuses: int, body: bool = False) -> dict[int | str, dict[str, Any]]:
    """For `responses=` in route declarations, so /docs shows every answer and its envelope."""
    every = sorted({*statuses, *ALWAYS, *(WITH_BODY if body else ())})
    return {s: {"model": ErrorEnvelope, "description": RESPONSES[s]} for s in every}
