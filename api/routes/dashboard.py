"""The supervisor dashboard (docs/dashboard.md): server-rendered HTML behind a login with a
supervisor's API key, kept as a signed cookie (api/dashboard_session.py). Failed logins are
limited per client address with the `limits` library, as api/limits.py limits requests."""

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, Field

from api import dashboard_page, dashboard_queries
from api import dashboard_session as sessions
from api.deps import Db, Svc
from api.errors import RESPONSES
from api.kpi_schemas import Filters
from api.kpis import Scope, report
from api.limits import caller
from api.queries import at_risk
from models.kpi_tiles import tiles
from models.review_digest import digest
from settings import Settings, parse_rate_limit

router = APIRouter(tags=["dashboard"])

AT_RISK_ROWS = 15
CSRF_MINUTES = 60
HTML: dict[str, Any] = {"text/html": {}}
JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}


class LoginForm(BaseModel):
    api_key: str | None = Field(None, max_length=sessions.KEY_MAX, description="a supervisor's API key")
    csrf: str | None = Field(None, max_length=200, description="the CSRF token the login page put in the form")


class LogoutForm(BaseModel):
    csrf: str | None = Field(None, max_length=200, description="the CSRF token the dashboard put in the form")


def _root(request: Request) -> str:
    return request.scope.get("root_path", "")


def _cookie_path(request: Request) -> str:
    return f"{_root(request)}/dashboard"


def _secure(settings: Settings) -> bool:
    # over plain HTTP (the dev stack) a Secure cookie would never come back
    return settings.env == "production" or settings.public_url.startswith("https://")


def _to(request: Request, where: str) -> RedirectResponse:
    return RedirectResponse(f"{_root(request)}{where}", status_code=303, headers=dashboard_page.HEADERS)


def _login_page(request: Request, settings: Settings, *, error: str | None = None, status: int = 200) -> Response:
    """The login form, with a CSRF token bound to a cookie the browser keeps for it."""
    nonce = request.cookies.get(sessions.CSRF_COOKIE) or sessions.new_nonce()
    notice = "Signed out." if request.query_params.get("bye") == "1" and not error else None
    csrf = sessions.csrf_token("login", nonce, settings)
    response = dashboard_page.login(_root(request), csrf, error=error, status=status, notice=notice)
    response.set_cookie(
        sessions.CSRF_COOKIE,
        nonce,
        max_age=CSRF_MINUTES * 60,
        path=_cookie_path(request),
        secure=_secure(settings),
        httponly=True,
        samesite="strict",
    )
    return response


def _limiter(request: Request, settings: Settings) -> tuple[MovingWindowRateLimiter, Any]:
    state = request.app.state
    if getattr(state, "dashboard_logins", None) is None:
        state.dashboard_logins = (
            MovingWindowRateLimiter(MemoryStorage()),
            parse_rate_limit(settings.dashboard_login_limit),
        )
    return state.dashboard_logins


LOGIN_ANSWERS: dict[int | str, dict[str, Any]] = {
    303: {"description": "signed in: on to `/dashboard`, with the session cookie"},
    400: {"description": "the form could not be read", "content": JSON},
    401: {"description": "unknown API key: the login page again, saying so", "content": HTML},
    403: {"description": "a key of another role, or a missing or wrong `csrf`: the login page again", "content": HTML},
    413: {"description": RESPONSES[413], "content": JSON},
    422: {"description": "a field is too long", "content": JSON},
    429: {
        "description": "too many failed logins from this address: the login page, with Retry-After; "
        f"or {RESPONSES[429]}",
        "content": {**HTML, **JSON},
    },
    503: {"description": "the database is unavailable", "content": JSON},
}


@router.get(
    "/dashboard/login",
    response_class=HTMLResponse,
    name="dashboard_login_page",
    summary="The supervisor dashboard's login form (HTML)",
    responses={
        429: {"description": RESPONSES[429], "content": JSON},
        503: {"description": RESPONSES[503], "content": JSON},
    },
)
async def dashboard_login_page(request: Request, svc: Svc) -> Response:
    return _login_page(request, svc.settings)


@router.post(
    "/dashboard/login",
    response_class=Response,
    status_code=303,
    name="dashboard_login",
    summary="Sign in to the dashboard with a supervisor's API key (form)",
    responses=LOGIN_ANSWERS,
)
async def dashboard_login(form: Annotated[LoginForm, Form()], request: Request, session: Db, svc: Svc) -> Response:
    settings = svc.settings
    limiter, limit = _limiter(request, settings)
    who = caller(request.scope)
    if not limiter.test(limit, who):
        wait = max(1, math.ceil(limiter.get_window_stats(limit, who).reset_time - time.time()))
        response = _login_page(request, settings, error=f"Too many failed sign-ins; try again in {wait} s.", status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    if not sessions.csrf_ok("login", request.cookies.get(sessions.CSRF_COOKIE), form.csrf, settings):
        return _login_page(request, settings, error="The form had expired; please sign in again.", status=403)
    signed_in = await sessions.log_in(form.api_key or "", settings, session)
    if not isinstance(signed_in, sessions.Supervisor):
        limiter.hit(limit, who)
        if signed_in == "other_role":
            return _login_page(request, settings, error="This key is not a supervisor's.", status=403)
        return _login_page(request, settings, error="Unknown API key.", status=401)
    response = _to(request, "/dashboard")
    response.set_cookie(
        sessions.COOKIE,
        sessions.issue(signed_in, settings),
        max_age=round(settings.dashboard_session_hours * sessions.HOUR),
        path=_cookie_path(request),
        secure=_secure(settings),
        httponly=True,
        samesite="strict",
    )
    response.delete_cookie(sessions.CSRF_COOKIE, path=_cookie_path(request))
    return response


def _signed_out(request: Request, where: str = "/dashboard/login") -> Response:
    response = _to(request, where)
    response.delete_cookie(sessions.COOKIE, path=_cookie_path(request), httponly=True, samesite="strict")
    return response


@router.get(
    "/dashboard",
    response_class=HTMLResponse,
    name="dashboard",
    summary="The supervisor dashboard: KPIs, trends, the at-risk board, the latest review (HTML)",
    responses={
        303: {"description": "no valid session: on to `/dashboard/login`"},
        429: {"description": RESPONSES[429], "content": JSON},
        503: {"description": "the database is unavailable", "content": JSON},
    },
)
async def dashboard(request: Request, session: Db, svc: Svc) -> Response:
    settings = svc.settings
    cookie = request.cookies.get(sessions.COOKIE)
    supervisor = sessions.read(cookie, settings)
    if supervisor is None or not await sessions.still_supervisor(supervisor, settings, session):
        return _signed_out(request)
    now = datetime.now(UTC)
    kpi_from = now - timedelta(days=dashboard_page.KPI_DAYS)
    kpis = await report(session, Scope(kpi_from, now, Filters()), now)
    review = await dashboard_queries.latest_review(session)
    figures = dashboard_page.Figures(
        supervisor=supervisor.name,
        now=now,
        kpi_from=kpi_from,
        tiles=tiles(kpis.model_dump(mode="json", by_alias=True)),
        backlog=[(item.stage, item.count) for item in kpis.backlog.items],
        weekly=await dashboard_queries.weekly(session, now),
        at_risk=await at_risk(session, now, AT_RISK_ROWS),
        open_work=await dashboard_queries.open_work(session),
        review=review,
        review_digest=digest(review.report if review else None),
    )
    csrf = sessions.csrf_token("logout", cookie or "", settings)
    return dashboard_page.dashboard(figures, settings, root=_root(request), csrf=csrf)


@router.post(
    "/dashboard/logout",
    response_class=Response,
    status_code=303,
    name="dashboard_logout",
    summary="Sign out of the dashboard (form)",
    responses={
        303: {"description": "signed out (or never signed in): on to the login page, the session cookie cleared"},
        400: LOGIN_ANSWERS[400],
        403: {
            "description": "a missing or wrong `csrf`: the login page, still signed in if they were",
            "content": HTML,
        },
        413: LOGIN_ANSWERS[413],
        422: LOGIN_ANSWERS[422],
        429: {"description": RESPONSES[429], "content": JSON},
        503: {"description": RESPONSES[503], "content": JSON},
    },
)
async def dashboard_logout(form: Annotated[LogoutForm, Form()], request: Request, svc: Svc) -> Response:
    cookie = request.cookies.get(sessions.COOKIE)
    if not form.csrf:  # a form without one was never the dashboard's, signed in or not
        return _login_page(request, svc.settings, error="The form had expired; sign in again.", status=403)
    if sessions.read(cookie, svc.settings) is None:
        return _signed_out(request)
    if not sessions.csrf_ok("logout", cookie, form.csrf, svc.settings):
        return _login_page(
            request, svc.settings, error="The form had expired; sign out again from the dashboard.", status=403
        )
    return _signed_out(request, "/dashboard/login?bye=1")
