"""Test data for the schemathesis run of test_fuzz.py, which loads this module as its
SCHEMATHESIS_HOOKS.

The OpenAPI document says what each request may hold, and the API refuses what it does not
allow (negative data) and takes what it allows, but for the rules no schema can state: those
on the catalog (an active technician, a part in the price list, a served region), on the clock (a purchase
date not in the future) and on the case's live state (the current quote version, a
technician other than the current one, rework only on a repaired device, an SLA target not
yet met, an Idempotency-Key not used for another request). Those refusals are 422s, which
schemathesis counts as valid data rejected. So before a request generated as valid is sent,
the fields these rules cover get values the rules allow, picked from what the API itself
reports (its catalog, the case's view); everything else is left as generated, and requests
generated as invalid are not touched. When a case's state leaves no valid value at all (an
SLA extension once every target is met), the request is made plainly invalid instead, and
schemathesis then expects it refused."""

import hashlib
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import schemathesis

# reads the catalog and the cases (a supervisor sees every case) for the hooks' own choices
READER = {"Authorization": "Bearer dev-supervisor-key"}
KEY_HEADER = "Idempotency-Key"

_lock = threading.Lock()
_catalog: dict[str, list[str]] = {}
# (caller's scope, key) -> the request it was first sent with
_keys: dict[tuple[str, str], str] = {}


def _pick(options: list[str], seed: object) -> str:
    """One of `options`, the same for the same generated value."""
    digest = hashlib.sha256(repr(seed).encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]


def _get(case: Any, path: str, **params: str) -> Any:
    url = case.operation.schema.get_base_url().rstrip("/") + path
    response = requests.get(url, params=params, headers=READER, timeout=60)
    return response.json() if response.status_code == 200 else None


def _catalog_of(case: Any, name: str) -> list[str]:
    with _lock:
        if name not in _catalog:
            if name == "technicians":
                items = _get(case, "/api/v1/technicians", active="true")["items"]
                _catalog[name] = [t["technician_id"] for t in items]
            elif name.startswith("faults:"):
                category = name.partition(":")[2]
                items = _get(case, "/api/v1/fault-codes", category=category)["items"]
                _catalog[name] = [c["code"] for c in items]
            elif name == "regions":
                _catalog[name] = [r["region"] for r in _get(case, "/api/v1/regions")["items"]]
            else:
                parts = _get(case, "/api/v1/parts")["items"]
                _catalog["parts"] = [p["part_number"] for p in parts]
                for part in parts:
                    _catalog.setdefault(f"parts:{part['category']}", []).append(part["part_number"])
        return _catalog.get(name) or _catalog["parts"]


def _fresh_key(case: Any, scope: str) -> None:
    """An Idempotency-Key answers only the request it first came with (per caller, per case)."""
    headers = case.headers or {}
    key = headers.get(KEY_HEADER)
    if not isinstance(key, str):
        return
    request = json.dumps([case.operation.label, case.body], sort_keys=True, default=str)
    with _lock:
        first = _keys.setdefault((scope, key), request)
        if first != request:
            key = f"{key[:160]}-{uuid.uuid4().hex}"
            _keys[(scope, key)] = request
            headers[KEY_HEADER] = key


def _intake(case: Any, body: dict) -> None:
    today = datetime.now(UTC).date().isoformat()
    product = body.get("product")
    if isinstance(product, dict) and isinstance(product.get("purchase_date"), str):
        product["purchase_date"] = min(product["purchase_date"], today)
    customer = body.get("customer")
    if isinstance(customer, dict) and isinstance(customer.get("region"), str):
        customer["region"] = _pick(_catalog_of(case, "regions"), customer["region"])


def _parts(case: Any, body: dict, field: str, category: str | None = None) -> None:
    """Parts of the price list; a diagnosis names parts of the product's own category."""
    catalog = _catalog_of(case, "parts")
    if category:
        catalog = _catalog_of(case, f"parts:{category}")
    for part in body.get(field) or []:
        part["part_number"] = _pick(catalog, part["part_number"])


def _action(case: Any, action: str, body: dict) -> bool:
    """False when the case's state leaves no valid request, which is then made invalid."""
    if action == "assignment":
        body["technician_id"] = _pick(_catalog_of(case, "technicians"), body["technician_id"])
    elif action == "repair":
        _parts(case, body, "parts_used")
    elif action in (
        "diagnosis",
        "reassignment",
        "quote/decision",
        "handover",
        "sla/extension",
        "triage",
        "appointment",
        "arrival",
    ):
        view = _get(case, f"/api/v1/cases/{case.path_parameters['case_id']}")
        if view is not None:
            return _on_state(case, action, body, view)
    return True


def _on_state(case: Any, action: str, body: dict, view: dict) -> bool:
    if action == "diagnosis":
        _parts(case, body, "parts", view["product"]["category"])
        if body.get("fault_code") is not None:
            body["fault_code"] = _pick(_catalog_of(case, f"faults:{view['product']['category']}"), body["fault_code"])
    elif action == "triage":
        return _override(body, view)
    elif action in ("appointment", "arrival"):
        if view["service_mode"] != "on_site" or view.get("arrived_at"):
            body["note"] = 0  # no visit to book or arrive at: no valid request exists
            return False
        if action == "appointment":
            _window(body)
    elif action == "reassignment":
        others = [t for t in _catalog_of(case, "technicians") if t != view["technician_id"]]
        body["technician_id"] = _pick(others, body["technician_id"])
    elif action == "quote/decision" and view["quote"]:
        body["quote_version"] = view["quote"]["version"]
    elif action == "handover" and body.get("resolution") == "rework" and view["repair"] is None:
        body["resolution"] = "compensation"
        body["compensation"] = {"type": "voucher", "amount": 100}
    elif action == "sla/extension":
        pending = sorted(name for name, target in view["sla"]["targets"].items() if target["met_at"] is None)
        if not pending:
            body["minutes"] = 0  # nothing left to extend: no valid extension exists for this case
            return False
        if body["target"] not in pending:
            body["target"] = _pick(pending, body["target"])
    return True


OVERRIDABLE = {
    "priority": ["P1", "P2", "P3", "P4"],
    "warranty": ["in_warranty", "out_of_warranty"],
    "service_mode": ["on_site", "carry_in", "mail_in", "remote"],
}


def _override(body: dict, view: dict) -> bool:
    """A triage override changes each field it names, the service mode only before dispatch."""
    if view["stage"] not in ("REMOTE_GUIDANCE", "DISPATCH"):
        body.pop("service_mode", None)
    for name in [n for n in OVERRIDABLE if body.get(n) is not None]:
        if body[name] == view[name]:
            body[name] = _pick([v for v in OVERRIDABLE[name] if v != view[name]], body[name])
    if not any(body.get(n) is not None for n in OVERRIDABLE):
        body["priority"] = _pick([v for v in OVERRIDABLE["priority"] if v != view["priority"]], body.get("reason"))
    return True


def _window(body: dict) -> None:
    """A window of an hour, starting tomorrow: one the case can book."""
    start = datetime.now(UTC) + timedelta(days=1)
    body["visit_from"], body["visit_by"] = start.isoformat(), (start + timedelta(hours=1)).isoformat()


def _period(query: dict) -> None:
    """A period the KPIs take: `to` after `from`, at most 400 days on."""
    try:
        start = datetime.fromisoformat(str(query["from"]))
    except (KeyError, ValueError):
        return
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if start.year < 9999:
        query["to"] = (start + timedelta(days=30)).isoformat()


def _ended_period(body: dict) -> None:
    """A period a review takes: a week that has ended, from the `from` drawn when it is one."""
    try:
        start = datetime.fromisoformat(str(body["from"]))
    except (KeyError, ValueError):
        return
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    latest = datetime.now(UTC) - timedelta(days=8)
    if start > latest:
        start = latest
    body["from"], body["to"] = start.isoformat(), (start + timedelta(days=7)).isoformat()


def _complaint(case: Any, path: str, body: dict) -> bool:
    """A complaint about a case that exists (a phone number would have to be a customer's);
    an owner who is an active staff contact, or a plainly invalid one when there is none."""
    if path == "/api/v1/complaints":
        listed = _get(case, "/api/v1/cases", limit="50") or {"items": []}
        ids = [c["case_id"] for c in listed["items"]]
        if ids:
            body["case_id"] = _pick(ids, body.get("case_id") or body.get("description"))
            body.pop("customer_phone", None)
        _fresh_key(case, "complaint")
        return True
    if path.endswith("/owner"):
        staff = [s["staff_id"] for s in (_get(case, "/api/v1/staff") or {"items": []})["items"] if s["active"]]
        if not staff:
            body["owner"] = ""  # nobody to own it: no valid request exists
            return False
        body["owner"] = _pick(staff, body.get("owner"))
    if "complaint_id" in (case.path_parameters or {}):
        _fresh_key(case, case.path_parameters["complaint_id"])
    return True


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    path = case.operation.path
    if path.startswith("/api/v1/parts/{part_number}"):
        # a part of the catalog, so a receipt or an adjustment reaches the stock
        case.path_parameters["part_number"] = _pick(_catalog_of(case, "parts"), case.path_parameters["part_number"])
        return
    if path == "/api/v1/metrics/kpis":
        _period(case.query or {})
        return
    if not isinstance(case.body, dict):
        return
    if path == "/api/v1/reviews":
        _ended_period(case.body)
        return
    if path.startswith(("/api/v1/complaints", "/api/v1/follow-ups")):
        valid = _complaint(case, path, case.body)
        if valid and not case.meta.generation.mode.is_positive:
            raise AssertionError(f"the hooks made a valid request invalid: {case.operation.label} {case.body}")
        return
    if case.operation.method.upper() != "POST" or not path.startswith("/api/v1/cases"):
        return
    valid = True
    if path == "/api/v1/cases":
        _intake(case, case.body)
        _fresh_key(case, "intake")
    else:
        valid = _action(case, path.removeprefix("/api/v1/cases/{case_id}/"), case.body)
        _fresh_key(case, case.path_parameters["case_id"])
    # schemathesis checks the request again against the schema: what these hooks chose must fit it
    if valid and not case.meta.generation.mode.is_positive:
        raise AssertionError(f"the hooks made a valid request invalid: {case.operation.label} {case.body}")
