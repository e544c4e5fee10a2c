"""With a payload key, Temporal's stored history holds no customer's name or phone in
clear, the case runs as usual, and supervisors read the payloads back through the API's
codec endpoint, as the Temporal UI and CLI do."""

import base64
import os
import uuid

import httpx
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from clients import connect_temporal
from tests.integration.cases import AGENT, SUPERVISOR, Cases, intake_body
from tests.integration.running import own_queue, system

UI = "http://127.0.0.1:8233"


@pytest.fixture(scope="module")
async def sealed(settings, engine):
    key = "test-1:" + base64.b64encode(os.urandom(32)).decode()
    sealing = own_queue(settings, payload_key=key, codec_ui_token=f"ui-{uuid.uuid4().hex}")
    client = await connect_temporal(sealing)
    async with system(client, sealing, engine) as url, httpx.AsyncClient(base_url=url, timeout=60) as http:
        yield sealing, Cases(http)


def payloads_of(history) -> list:
    """Every payload the history stores, wherever it sits in an event."""
    found = []

    def walk(message):
        for field, value in message.ListFields():
            if field.message_type is None:
                continue
            items = value if field.is_repeated else [value]
            for item in items:
                if type(item).__name__ == "Payload":
                    found.append(item)
                elif hasattr(item, "ListFields"):
                    walk(item)

    for event in history.events:
        walk(event)
    return found


async def test_the_stored_history_holds_no_personal_data_in_clear(sealed, temporal_client):
    _, cases = sealed
    name, phone = f"Secret Person {uuid.uuid4().hex[:6]}", "13912345678"
    body = intake_body()
    body["customer"] |= {"name": name, "phone": phone}
    case = await cases.open(body)
    await cases.assign(case["case_id"])
    assert case["customer"]["name"] == name  # the API and the database see it as usual

    # the test's own client has no codec: it sees what Temporal stores
    history = await temporal_client.get_workflow_handle(case["case_id"]).fetch_history()
    stored = payloads_of(history)
    assert len(stored) > 5
    assert all(p.metadata["encoding"] == b"binary/encrypted" for p in stored)
    raw = b"".join(p.data for p in stored)
    assert name.encode() not in raw and phone.encode() not in raw


async def test_supervisors_read_payloads_through_the_codec_endpoint(sealed, temporal_client):
    settings, cases = sealed
    case = await cases.open()
    history = await temporal_client.get_workflow_handle(case["case_id"]).fetch_history()
    request = json_format.MessageToJson(Payloads(payloads=payloads_of(history)[:3]))
    headers = {"Content-Type": "application/json", "X-Namespace": "default"}

    decoded = await cases.http.post("/codec/decode", content=request, headers=headers | SUPERVISOR)
    assert decoded.status_code == 200, decoded.text
    opened = json_format.Parse(decoded.content, Payloads()).payloads
    assert all(p.metadata["encoding"] == b"json/plain" for p in opened)
    assert case["customer"]["name"].encode() in b"".join(p.data for p in opened)

    assert (await cases.http.post("/codec/decode", content=request, headers=headers)).status_code == 401
    assert (await cases.http.post("/codec/decode", content=request, headers=headers | AGENT)).status_code == 403

    # the UI calls it under its token, from its own origin
    ui = f"/codec/ui/{settings.codec_ui_token}/decode"
    answer = await cases.http.post(ui, content=request, headers=headers | {"Origin": UI})
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == UI
    preflight = await cases.http.options(ui, headers={"Origin": UI, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and "x-namespace" in preflight.headers["Access-Control-Allow-Headers"]
    stranger = await cases.http.post(ui, content=request, headers=headers | {"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers
    wrong = await cases.http.post("/codec/ui/not-the-token/decode", content=request, headers=headers)
    assert wrong.status_code == 404

    # what it encodes, it decodes
    sealed_again = await cases.http.post("/codec/encode", content=decoded.content, headers=headers | SUPERVISOR)
    back = await cases.http.post("/codec/decode", content=sealed_again.content, headers=headers | SUPERVISOR)
    assert json_format.Parse(back.content, Payloads()) == json_format.Parse(decoded.content, Payloads())
