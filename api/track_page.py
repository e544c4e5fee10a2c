"""The tracking page as HTML: Jinja templates in api/templates/track/, autoescaped, with no
JavaScript. The routes (api/routes/track.py) decide what to show; this turns it into words
in the customer's language."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

import tracking
from activities.case_facts import CaseFacts
from api.track_forms import COMMENT_MAX, REQUIRED_SCORES, SCORES
from api.track_texts import CATEGORIES, EVENTS, LOCALES, QUOTE_STATUS, STAGES, SURVEY, WORDS
from models.stages import Stage
from settings import Settings

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates" / "track"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# customers are in China: times are shown in Beijing time, as their messages show them
TIMEZONE = ZoneInfo("Asia/Shanghai")

# the page and its token stay with the customer: no proxy keeps it, no link passes it on as
# a Referer, no other site frames it (to have a quote approved by a click it hides)
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
}

Problem = Literal["not_found", "forbidden", "unavailable"]


@dataclass(frozen=True)
class Visit:
    """A request for a case's page: its token, and the path prefix it is served under (the
    ASGI root_path, when a proxy serves the API below a path of its own)."""

    token: str
    settings: Settings
    root: str = ""

    @property
    def here(self) -> str:
        return f"{self.root}/track/{self.token}"


@dataclass
class Answers:
    """What the customer sent in a form, shown again with the problems found in it."""

    values: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, message)


def language(locale: str) -> str:
    return locale if locale in LOCALES else LOCALES[0]


def when(at: datetime, locale: str) -> str:
    local = at.astimezone(TIMEZONE)
    if locale == "en":
        return f"{local.day} {local:%b %Y, %H:%M}"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def day(on: date, locale: str) -> str:
    return f"{on.day} {on:%b %Y}" if locale == "en" else f"{on.year}年{on.month}月{on.day}日"


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _quantity(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


def _case(facts: CaseFacts, lang: str) -> dict[str, Any]:
    t = WORDS[lang]
    visit = None
    # the window matters until the technician has come (the first-visit deadline is then met)
    if facts.stage is Stage.DIAGNOSIS and facts.visit_from and facts.visit_by:
        visit = t["visit_window"].format(start=when(facts.visit_from, lang), end=when(facts.visit_by, lang))
    category = CATEGORIES[lang][facts.category]
    return {
        "case_id": facts.case_id,
        "stage": STAGES[lang][facts.stage],
        "product": f"{category} {facts.product_model}",
        "technician_name": facts.technician_name,
        "technician_phone": facts.technician_phone,
        "visit": visit,
        "warranty_until": day(facts.warranty_until, lang) if facts.warranty_until else None,
    }


def _quote(facts: CaseFacts, lang: str) -> dict[str, Any] | None:
    quote, t = facts.quote, WORDS[lang]
    if quote is None:
        return None
    return {
        "version": quote.version,
        "version_words": t["version"].format(n=quote.version),
        "status": QUOTE_STATUS[lang].get(facts.quote_status or "", facts.quote_status or ""),
        "lines": [
            {
                "description": x.description,
                "quantity": _quantity(x.quantity),
                "unit_price": money(x.unit_price),
                "amount": money(x.amount),
            }
            for x in quote.lines
        ],
        "total": money(quote.total),
        "currency": quote.currency,
        "in_warranty": quote.in_warranty,
        "decide_by": t["decide_by"].format(at=when(quote.expires_at, lang)) if quote.expires_at else None,
    }


def _survey(lang: str, answers: Answers) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "question": question,
            "low": low_words,
            "high": high_words,
            "choices": range(SCORES[name][0], SCORES[name][1] + 1),
            "required": name in REQUIRED_SCORES,
            "value": answers.values.get(name, ""),
        }
        for name, (question, low_words, high_words) in SURVEY[lang].items()
    ]


def quote_open(facts: CaseFacts) -> bool:
    return facts.stage is Stage.QUOTE_APPROVAL and facts.quote is not None and facts.quote_status == "pending"


def page(
    facts: CaseFacts,
    visit: Visit,
    *,
    done: str | None = None,
    notice: str | None = None,
    answers: Answers | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The case's page; `done`: the words of thanks for what was just sent; `notice`: why what
    was sent was not taken; `answers`: a form sent back with its problems."""
    lang, answers = language(facts.locale), answers or Answers()
    html = TEMPLATES.get_template("page.html").render(
        lang=lang,
        t=WORDS[lang],
        here=visit.here,
        csrf=tracking.csrf_token(visit.token, visit.settings),
        case=_case(facts, lang),
        quote=_quote(facts, lang),
        quote_form=quote_open(facts),
        survey=_survey(lang, answers) if facts.stage is Stage.CALLBACK else None,
        comment=answers.values.get("comment", ""),
        comment_max=COMMENT_MAX,
        milestones=[
            {"iso": m.at.isoformat(), "when": when(m.at, lang), "words": EVENTS[lang][m.type]} for m in facts.milestones
        ],
        done=done,
        notice=notice,
        problems=answers.problems,
    )
    return HTMLResponse(html, status, headers=HEADERS)


def problem(kind: Problem, status: int, *, locale: str | None = None, back: str | None = None) -> HTMLResponse:
    """A page with no case on it; `locale` None (no case known): in every language."""
    langs = [language(locale)] if locale else list(LOCALES)
    html = TEMPLATES.get_template("problem.html").render(
        lang=langs[0], texts=[(lang, WORDS[lang]) for lang in langs], kind=kind, back=back
    )
    return HTMLResponse(html, status, headers=HEADERS)
