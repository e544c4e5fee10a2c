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
from temporalio.exceptions import ApplicationError

from api.schemas import ErrorEnvelope
from models import errors
from models.domain import NUL_MESSAGE
from models.errors import ErrorKind

log = logging.getLogger("repairflow.api")

# PostgreSQL's character_not_in_repertoire: a text value with a NUL, which it cannot store
NUL_IN_TEXT = "22021"

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
KINDS: dict[ErrorKind, tuple[int, str, str]] = {
    ErrorKind.INVALID_STAGE: (409, "invalid_stage", "stage"),
    ErrorKind.DUPLICATE_OPEN_CASE: (409, "duplicate_open_case", "case_id"),
    ErrorKind.INVALID_INPUT: (422, "validation_error", "fields"),
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
    if kind is ErrorKind.INVALID_INPUT and not isinstance(detail, list):
        detail = []
    answer = ApiError(status, code, err.message, kind=kind)
    answer.extra[detail_name] = detail
    return answer


def not_found(case_id: str) -> ApiError:
    return ApiError(404, "not_found", f"case {case_id} not found")


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


async def _validation(request: Request, err: RequestValidationError) -> JSONResponse:
    fields: list[errors.FieldError] = [
        {
            "field": "body" if e.get("type") == "json_invalid" else field_name(tuple(e.get("loc", ()))),
            "message": clean_message(e.get("msg", "invalid")),
        }
        for e in err.errors()
    ]
    return await _api_error(request, invalid(fields))


async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
    code = HTTP_CODES.get(err.status_code, "error" if err.status_code < 500 else "server_error")
    message = err.detail if isinstance(err.detail, str) else code.replace("_", " ")
    if err.status_code == 404 and message == "Not Found":
        message = f"no route for {request.method} {request.url.path}"
    elif err.status_code == 405 and message == "Method Not Allowed":
        message = f"{request.method} is not allowed on {request.url.path}"
    return envelope(err.status_code, code, message, getattr(err, "headers", None))


async def _database(request: Request, err: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", err)
    return envelope(503, "database_unavailable", "the database is unavailable; try again")


async def _dbapi(request: Request, err: DBAPIError) -> JSONResponse:
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


# for `responses=` in route declarations, so /docs shows the envelope
def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {
        401: "missing or unknown API key",
        403: "role not allowed",
        404: "unknown case",
        409: "not valid in the current stage, or a duplicate open case",
        422: "invalid input (field errors)",
        503: "Temporal or the database is unavailable",
    }
    return {s: {"model": ErrorEnvelope, "description": text[s]} for s in statuses}
