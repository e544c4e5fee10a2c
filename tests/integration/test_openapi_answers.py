"""Answers the OpenAPI document promises, over real HTTP (schemathesis checks them all in
test_fuzz.py; these are the ones it first found wrong): a 405 names every method of its
path in `Allow`, a query boolean is true or false, a NUL in a path or a query is named, a
list cursor has the pattern the document gives, and the document links a new case to its
actions."""

import re

import httpx
import pytest

from api.queries import CURSOR_PATTERN
from models.domain import NUL_MESSAGE
from tests.integration.cases import AGENT, SUPERVISOR, Cases


@pytest.mark.parametrize(
    "method, path, allow",
    [
        ("OPTIONS", "/api/v1/cases", "GET, POST"),
        ("DELETE", "/api/v1/cases", "GET, POST"),
        ("HEAD", "/api/v1/cases", "GET, POST"),
        ("PUT", "/api/v1/cases/RC-20260101-ABCDEF", "GET"),
        ("GET", "/api/v1/cases/RC-20260101-ABCDEF/cancel", "POST"),
        ("PUT", "/codec/encode", "OPTIONS, POST"),
    ],
)
async def test_a_method_not_served_is_405_naming_every_method_served(http, method, path, allow):
    response = await http.request(method, path, headers=AGENT)
    assert response.status_code == 405, response.text
    if method != "HEAD":
        assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.headers["Allow"] == allow


@pytest.mark.parametrize("value, status", [("true", 200), ("0", 200), ("yes", 422), ("on", 422), ("f", 422)])
async def test_a_query_boolean_is_true_or_false(http, value, status):
    for path, name in (("/api/v1/cases", "sla_breached"), ("/api/v1/technicians", "active")):
        response = await http.get(path, params={name: value}, headers=AGENT)
        assert response.status_code == status, response.text
        if status == 422:
            assert [f["field"] for f in response.json()["error"]["fields"]] == [name]


async def test_a_nul_in_a_path_or_a_query_is_named(http):
    for path, params, field in (
        ("/api/v1/cases/RC-%00", {}, "case_id"),
        ("/api/v1/cases", {"technician_id": "T\x00"}, "technician_id"),
    ):
        response = await http.get(path, params=params, headers=AGENT)
        assert response.status_code == 422
        assert response.json()["error"]["fields"] == [{"field": field, "message": NUL_MESSAGE}]


async def test_a_next_cursor_has_the_documented_pattern(cases: Cases):
    await cases.open()
    await cases.open()
    page = (await cases.http.get("/api/v1/cases", params={"limit": 1}, headers=SUPERVISOR)).json()
    assert re.fullmatch(CURSOR_PATTERN, page["next_cursor"])
    following = await cases.http.get("/api/v1/cases", params={"limit": 1, "cursor": page["next_cursor"]}, headers=AGENT)
    assert following.status_code == 200 and following.json()["items"][0]["case_id"] != page["items"][0]["case_id"]


async def test_the_document_links_a_new_case_to_its_actions(api_url):
    async with httpx.AsyncClient(base_url=api_url) as http:
        spec = (await http.get("/openapi.json")).json()
    links = spec["paths"]["/api/v1/cases"]["post"]["responses"]["201"]["links"]
    assert links["record_assignment"] == {
        "operationId": "record_assignment",
        "parameters": {"case_id": "$response.body#/case_id"},
    }
    listed = spec["paths"]["/api/v1/cases"]["get"]["responses"]["200"]["links"]["get_case"]
    assert listed["parameters"] == {"case_id": "$response.body#/items/0/case_id"}
