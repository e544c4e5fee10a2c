"""Webhooks: a supervisor subscribes a URL to event types; each such event is POSTed to it,
signed with the subscription's secret, retried until it is taken, and visible per
subscription."""

import hashlib
import hmac
import json

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.integration.cases import AGENT, SUPERVISOR, Cases
from tests.integration.running import eventually, own_queue, serving, system


class Receiver:
    """Another system's endpoint; it refuses the first `refuse` calls with a 503."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        self.calls.append((dict(request.headers), await request.body()))
        if len(self.calls) <= self.refuse:
            return Response(status_code=503)
        return Response(status_code=204)


def verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in headers["x-repairflow-signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def receiver():
    return Receiver(refuse=2)


async def test_events_are_posted_signed_retried_and_tracked(temporal_client, settings, engine, receiver):
    quick = own_queue(settings, delivery_first_retry_seconds=0.2, delivery_max_retry_seconds=0.5)
    async with (
        serving(receiver.app) as hook_url,
        system(temporal_client, quick, engine) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        request = {"url": f"{hook_url}/hook", "event_types": ["case_created", "technician_assigned"]}
        assert (await http.post("/api/v1/webhooks", json=request, headers=AGENT)).status_code == 403
        bad = await http.post("/api/v1/webhooks", json=request | {"event_types": ["no_such_event"]}, headers=SUPERVISOR)
        assert bad.status_code == 422
        bad_url = await http.post("/api/v1/webhooks", json=request | {"url": "ftp://example.cn/x"}, headers=SUPERVISOR)
        assert bad_url.status_code == 422
        created = await http.post("/api/v1/webhooks", json=request, headers=SUPERVISOR)
        assert created.status_code == 201, created.text
        hook = created.json()
        assert len(hook["secret"]) >= 32

        cases = Cases(http)
        case = await cases.open()
        await cases.assign(case["case_id"])

        async def both_taken():
            page = await http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=SUPERVISOR)
            mine = [d for d in page.json()["items"] if d["case_id"] == case["case_id"]]
            return mine if len(mine) == 2 and all(d["status"] == "sent" for d in mine) else None

        deliveries = await eventually(both_taken, 30)
        assert deliveries, (await http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=SUPERVISOR)).text
        assert {d["template"] for d in deliveries} == {"case_created", "technician_assigned"}
        # the receiver refused twice; the refused calls were tried again, each try on record
        assert sum(d["attempts"] for d in deliveries) == 4
        taken = [(h, b) for h, b in receiver.calls[2:]]
        assert len(taken) == 2
        for headers, body in receiver.calls:
            assert verified(hook["secret"], headers, body)
            assert not verified("another-secret", headers, body)
            assert json.loads(body)["case_id"] == case["case_id"]
        assert {json.loads(b)["event"]["type"] for _, b in taken} == {"case_created", "technician_assigned"}
        # a retried call has the delivery id of the first, for the receiver to do it once
        ids = [h["x-repairflow-delivery"] for h, _ in receiver.calls]
        assert len(set(ids)) == 2

        listed = (await http.get("/api/v1/webhooks", headers=SUPERVISOR)).json()["items"]
        mine = next(w for w in listed if w["id"] == hook["id"])
        assert mine["deliveries"].get("sent", 0) >= 2 and "secret" not in mine
        stopped = await http.delete(f"/api/v1/webhooks/{hook['id']}", headers=SUPERVISOR)
        assert stopped.status_code == 200 and stopped.json()["active"] is False
        before = len(receiver.calls)
        await cases.open()
        assert (await http.get("/api/v1/webhooks/2147483000/deliveries", headers=SUPERVISOR)).status_code == 404
        assert len(receiver.calls) == before
