"""The customer's tracking page (docs/api.md#tracking-page): their case as HTML or JSON, and
the two things they may do there, decide on the quote and answer the survey. The signed
token in the path is the credential; the forms carry a CSRF token bound to it. Both forms
go through the same workflow updates as an agent's actions, as `customer:tracking-page`."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

import tracking
from activities.case_facts import CaseFacts, case_facts
from api import commands
from api.deps import Db, Services, Svc
from api.errors import RESPONSES, ApiError, responses
from api.schemas import NO_NUL, TrackView
from api.track_forms import QuoteForm, SurveyForm, quote_decision, survey
from api.track_page import HEADERS, Answers, Visit, language, page, problem, quote_open
from api.track_texts import STAGES, WORDS
from models.domain import Actor, Role
from models.errors import ErrorKind
from models.stages import TERMINAL, Action, allowed
from settings import Settings

router = APIRouter(tags=["tracking"])

CUSTOMER = Actor(role=Role.CUSTOMER, id="tracking-page")
DONE = ("quote", "survey")


ENVELOPE = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}


def _answer(description: str, *, html: bool = False, json: bool = False) -> dict[str, Any]:
    """An answer of a page route: the page (HTML), or the error envelope (JSON) of what turns
    a request away before the page can answer (the limits, a NUL in the path, an outage)."""
    content = {**({"text/html": {}} if html else {}), **(ENVELOPE if json else {})}
    return {"description": description, "content": content}


NUL_TOKEN = "a NUL character in the token"
PAGE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: _answer("the page", html=True),
    404: _answer("unknown, forged or expired token: the not-found page, in both languages", html=True),
    422: _answer(NUL_TOKEN, json=True),
    429: _answer(RESPONSES[429], json=True),
    503: _answer("the database is unavailable", json=True),
}
FORM_ANSWERS: dict[int | str, dict[str, Any]] = {
    303: {"description": "taken: on to the page, which thanks the customer (`?done=quote` or `?done=survey`)"},
    400: _answer("the form could not be read", json=True),
    403: _answer("missing or wrong `csrf`", html=True),
    404: PAGE_ANSWERS[404],
    409: _answer("the case is no longer in the stage the form is for, or the quote changed: the page", html=True),
    413: _answer(RESPONSES[413], json=True),
    422: _answer(f"a field is missing or out of range: the page again, naming it; {NUL_TOKEN}", html=True, json=True),
    429: PAGE_ANSWERS[429],
    503: _answer("the case cannot take the answer now, or the database is unavailable", html=True, json=True),
}
# the token in the path, as the customer's message links it; a NUL in it is refused as in every path
Token = Annotated[str, Path(pattern=NO_NUL, description="the tracking token of the customer's link")]


def _visit(request: Request, token: str, settings: Settings) -> Visit:
    return Visit(token, settings, request.scope.get("root_path", ""))


async def _facts(session: AsyncSession, visit: Visit) -> CaseFacts | None:
    case_id = tracking.read(visit.token, visit.settings)
    if case_id is None:
        return None
    return await case_facts(session, case_id, warranty_days=visit.settings.repaired_part_warranty_days)


async def _form_of(
    token: str, csrf: str | None, request: Request, session: AsyncSession, svc: Services
) -> tuple[Visit, CaseFacts] | Response:
    """A posted form's case, or the page that refuses it: 404 for a bad token, 403 for a bad CSRF token."""
    visit = _visit(request, token, svc.settings)
    facts = await _facts(session, visit)
    if facts is None:
        return _not_found()
    if not tracking.csrf_ok(token, csrf, svc.settings):
        return _forbidden(facts, visit)
    return visit, facts


def _not_found() -> HTMLResponse:
    return problem("not_found", 404)


@router.get(
    "/track/{token}",
    response_class=HTMLResponse,
    name="tracking_page",
    summary="The customer's page of their case (HTML, no JavaScript)",
    responses=PAGE_ANSWERS,
)
async def tracking_page(token: Token, request: Request, session: Db, svc: Svc, done: str | None = None) -> HTMLResponse:
    visit = _visit(request, token, svc.settings)
    facts = await _facts(session, visit)
    if facts is None:
        return _not_found()
    thanks = WORDS[language(facts.locale)][f"done_{done}"] if done in DONE else None
    return page(facts, visit, done=thanks)


@router.get(
    "/api/v1/track/{token}",
    response_model=TrackView,
    name="get_tracking_view",
    summary="The customer's page of their case as JSON",
    responses=responses(404, 422),
)
async def get_tracking_view(token: Token, request: Request, response: Response, session: Db, svc: Svc) -> TrackView:
    # the same as the page's: not kept by caches, no Referer carrying the token elsewhere
    response.headers.update(HEADERS)
    facts = await _facts(session, _visit(request, token, svc.settings))
    if facts is None:
        raise ApiError(404, "not_found", "no case for this tracking link; it may have expired")
    quote = facts.quote and {**facts.quote.model_dump(), "status": facts.quote_status}
    return TrackView.model_validate({**facts.model_dump(exclude={"quote", "quote_status"}), "quote": quote})


@router.post(
    "/track/{token}/quote",
    response_class=Response,
    status_code=303,
    name="decide_quote_on_tracking_page",
    summary="The customer approves or declines the quote (form)",
    responses=FORM_ANSWERS,
)
async def decide_quote_on_tracking_page(
    token: Token, form: Annotated[QuoteForm, Form()], request: Request, session: Db, svc: Svc
) -> Response:
    opened = await _form_of(token, form.csrf, request, session, svc)
    if isinstance(opened, Response):
        return opened
    visit, facts = opened
    body = quote_decision(form, language(facts.locale))
    if isinstance(body, list):
        return page(facts, visit, answers=Answers(problems=body), status=422)
    if not quote_open(facts):
        return _moved(facts, visit)
    if facts.quote and body.quote_version != facts.quote.version:
        return page(facts, visit, notice=WORDS[language(facts.locale)]["quote_changed"], status=409)
    return await _act(session, svc, visit, facts.case_id, Action.QUOTE_DECISION, body, "quote")


@router.post(
    "/track/{token}/survey",
    response_class=Response,
    status_code=303,
    name="answer_survey_on_tracking_page",
    summary="The customer answers the callback survey (form)",
    responses=FORM_ANSWERS,
)
async def answer_survey_on_tracking_page(
    token: Token, form: Annotated[SurveyForm, Form()], request: Request, session: Db, svc: Svc
) -> Response:
    opened = await _form_of(token, form.csrf, request, session, svc)
    if isinstance(opened, Response):
        return opened
    visit, facts = opened
    body = survey(form, language(facts.locale))
    if isinstance(body, list):
        sent = form.model_dump(exclude={"csrf"}, exclude_none=True)
        return page(facts, visit, answers=Answers(sent, body), status=422)
    if not allowed(Action.CALLBACK, facts.stage):
        return _moved(facts, visit)
    return await _act(session, svc, visit, facts.case_id, Action.CALLBACK, body, "survey")


def _forbidden(facts: CaseFacts, visit: Visit) -> HTMLResponse:
    return problem("forbidden", 403, locale=facts.locale, back=visit.here)


def _moved(facts: CaseFacts, visit: Visit) -> HTMLResponse:
    lang = language(facts.locale)
    notice = WORDS[lang]["moved"].format(stage=STAGES[lang][facts.stage])
    return page(facts, visit, notice=notice, status=409)


async def _act(
    session: AsyncSession, svc: Services, visit: Visit, case_id: str, action: Action, body: BaseModel, done: str
) -> Response:
    """The same workflow update as the agent's action; thanks on the page once it is taken."""
    await session.close()  # no connection held while the workflow works
    try:
        await commands.act(svc.temporal, case_id, action, CUSTOMER, body, within=svc.settings.answer_timeout)
        return RedirectResponse(f"{visit.here}?done={done}", status_code=303)
    except commands.WorkflowClosed:
        return await _refused(session, visit, None)
    except ApiError as err:
        return await _refused(session, visit, err)


async def _refused(session: AsyncSession, visit: Visit, err: ApiError | None) -> HTMLResponse:
    """The page as it is now, saying why the answer was not taken; `err` None: the case's
    workflow had finished."""
    facts = await _facts(session, visit)
    if facts is None:
        return _not_found()
    t = WORDS[language(facts.locale)]
    fields = err.extra.get("fields", []) if err is not None and err.kind is ErrorKind.INVALID_INPUT else []
    if any(f.get("field") == "quote_version" for f in fields):
        return page(facts, visit, notice=t["quote_changed"], status=409)
    if (err is None and facts.stage in TERMINAL) or (err is not None and err.kind is ErrorKind.INVALID_STAGE):
        return _moved(facts, visit)
    if err is not None and err.status == 422:  # a rule only the workflow or the database knows
        notice = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or err.message
        return page(facts, visit, notice=notice, status=422)
    return problem("unavailable", 503, locale=facts.locale, back=visit.here)
