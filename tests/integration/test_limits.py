"""Abuse limits over real HTTP, before any work starts: a body over the size limit is 413
(declared or streamed), a key over its rate is 429 with Retry-After, and the OpenAPI
document lists both, with 400 and 503, on every operation they can answer."""

import httpx
import pytest

from api.app import create_app
from api.limits import EXEMPT
from tests.integration.cases import AGENT, SUPERVISOR, intake_body
from tests.integration.running import serving

LIMIT = 64 * 1024


@pytest.fixture(scope="module")
async def limited(settings):
    app = create_app(settings.model_copy(update={"rate_limit": "5/minute", "max_body_bytes": LIMIT}))
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield http


def padded(size: int) -> dict:
    body = intake_body()
    body["fault"]["description"] = "x" * size
    return body


async def test_a_declared_body_over_the_limit_is_413_before_it_is_read(limited, sessions):
    response = await limited.post("/api/v1/cases", json=padded(2 * LIMIT), headers={"Authorization": "Bearer a"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_a_streamed_body_over_the_limit_is_413(limited):
    async def chunks():
        for _ in range(64):  # 4 MiB if it were all read
            yield b"x" * LIMIT

    response = await limited.post(
        "/api/v1/cases", content=chunks(), headers={"Authorization": "Bearer b", "Content-Type": "application/json"}
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert (response.status_code, response.json()["error"]["code"]) == (413, "payload_too_large")


async def test_a_key_over_its_rate_is_429_with_retry_after(limited):
    key = {"Authorization": "Bearer rate-test-key"}
    answers = [await limited.get("/api/v1/parts", headers=key) for _ in range(5)]
    assert {a.status_code for a in answers} == {401}  # counted, whatever the answer
    over = await limited.get("/api/v1/parts", headers=key)
    assert over.status_code == 429
    assert over.json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    # another key has a window of its own, and health probes are never limited
    assert (await limited.get("/api/v1/parts", headers=AGENT)).status_code == 200
    probes = [(await limited.get("/healthz")).status_code for _ in range(7)]
    assert probes == [200] * 7


async def test_every_operation_documents_the_limits(api_url):
    async with httpx.AsyncClient(base_url=api_url) as http:
        spec = (await http.get("/openapi.json", headers=SUPERVISOR)).json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            if path not in EXEMPT:  # probes and scrapes are never limited, and answer without a dependency
                assert {"429", "503"} <= documented, (method, path)
            if "requestBody" in operation:
                assert {"400", "413"} <= documented, (method, path)
