"""The payload codec for the Temporal UI and CLI (Temporal's remote codec protocol): they
send the sealed payloads they show, and get them back readable. Supervisors call it with
their key (`temporal --codec-endpoint .../codec --codec-auth 'Bearer <key>'`); the UI,
which cannot send a key, calls it under REPAIRFLOW_CODEC_UI_TOKEN, from the origins the
settings allow (CORS)."""

import base64
import hmac
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from temporalio.api.common.v1 import Payload, Payloads

from api.auth import Principal, role
from api.deps import Svc
from api.errors import ApiError, responses
from clients import payload_codec
from codec import UnknownKey
from models.domain import Role
from settings import Settings

router = APIRouter(prefix="/codec", tags=["codec"])

Direction = Literal["encode", "decode"]
Supervisor = Annotated[Principal, Depends(role(Role.SUPERVISOR, what="use the payload codec"))]
CORS_HEADERS = "content-type,x-namespace,authorization"

# bytes in protobuf's JSON: base64, standard or URL-safe, padded or not
BASE64 = r"^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$"
Base64 = Annotated[str, Field(pattern=BASE64)]


class PayloadJson(BaseModel):
    """A temporal.api.common.v1.Payload in protobuf's JSON."""

    model_config = ConfigDict(extra="forbid")
    metadata: dict[str, Base64] = {}
    data: Base64 = ""

    def message(self) -> Payload:
        return Payload(metadata={k: _bytes(v) for k, v in self.metadata.items()}, data=_bytes(self.data))


class PayloadsJson(BaseModel):
    """The body both ways: temporal.api.common.v1.Payloads in protobuf's JSON."""

    model_config = ConfigDict(extra="forbid")
    payloads: list[PayloadJson] = []


def _bytes(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))


# the body, read and checked in _apply (for the UI's route too), as the OpenAPI document shows it
BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PayloadsJson"}}},
    }
}


def _cors(request: Request, response: Response, settings: Settings) -> Response:
    origin = request.headers.get("origin")
    if origin and origin in settings.codec_cors_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Vary"] = "Origin"
    return response


async def _apply(request: Request, settings: Settings, direction: Direction) -> Response:
    codec = payload_codec(settings)
    if codec is None:
        raise ApiError(404, "not_found", "payload encryption is off: REPAIRFLOW_PAYLOAD_KEY is not set")
    fn: Callable[[Iterable[Payload]], Awaitable[list[Payload]]] = getattr(codec, direction)
    try:
        given = PayloadsJson.model_validate_json(await request.body())
    except ValidationError as err:
        raise ApiError(400, "bad_request", f"not a Payloads message in JSON: {err.errors()[0]['msg']}") from None
    try:
        done = Payloads(payloads=await fn(p.message() for p in given.payloads))
    except DecodeError as err:
        raise ApiError(400, "bad_request", f"not a Payloads message in JSON: {err}") from None
    except UnknownKey as err:
        raise ApiError(422, "unknown_key", str(err)) from None
    except Exception as err:  # a payload that fails authentication (forged or damaged)
        raise ApiError(422, "undecryptable", f"a payload could not be opened: {type(err).__name__}") from None
    body = json_format.MessageToJson(done)
    return _cors(request, Response(body, media_type="application/json"), settings)


def _ui_token(settings: Settings, token: str) -> None:
    # the same answer as for a path that does not exist: the token is the secret
    if not settings.codec_ui_token or not hmac.compare_digest(token.encode(), settings.codec_ui_token.encode()):
        raise ApiError(404, "not_found", "no such codec endpoint")


@router.post(
    "/{direction}",
    summary="Seal or open payloads (supervisors, the temporal CLI)",
    responses={200: {"model": PayloadsJson}, **responses(401, 403, 404, 422, body=True)},
    openapi_extra=BODY,
)
async def with_key(request: Request, direction: Direction, _: Supervisor, svc: Svc) -> Response:
    return await _apply(request, svc.settings, direction)


@router.post("/ui/{token}/{direction}", summary="Seal or open payloads (the Temporal UI)", include_in_schema=False)
async def for_the_ui(request: Request, token: str, direction: Direction, svc: Svc) -> Response:
    _ui_token(svc.settings, token)
    return await _apply(request, svc.settings, direction)


@router.options("/ui/{token}/{direction}", include_in_schema=False)
async def ui_preflight(request: Request, token: str, direction: Direction, svc: Svc) -> Response:
    _ui_token(svc.settings, token)
    return _cors(request, Response(status_code=204), svc.settings)


@router.options("/{direction}", include_in_schema=False)
async def preflight(request: Request, direction: Direction, svc: Svc) -> Response:
    return _cors(request, Response(status_code=204), svc.settings)
