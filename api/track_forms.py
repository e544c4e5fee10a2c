"""The tracking page's two forms, read into the bodies an agent's actions take (a quote
decision, a callback survey), or into the problems to show the customer, in their language.
Every form field arrives as text, so no answer is refused before the page can explain it."""

import re

from annotated_types import MaxLen
from pydantic import BaseModel, Field, ValidationError
from pydantic_core import ErrorDetails

from api.errors import clean_message
from api.track_texts import SURVEY, WORDS
from models.domain import Callback, QuoteDecision

WHOLE_NUMBER = re.compile(r"[0-9]{1,3}")
Problems = list[tuple[str, str]]  # (field, message), in the order of the form


def _score_range(name: str) -> tuple[int, int]:
    # the survey's scales are the callback's own (models.domain.Callback), never written twice
    schema = Callback.model_json_schema()["properties"][name]
    number = next(s for s in schema.get("anyOf", [schema]) if s.get("type") == "integer")
    return number["minimum"], number["maximum"]


SCORES: dict[str, tuple[int, int]] = {name: _score_range(name) for name in SURVEY["en"]}
REQUIRED_SCORES: frozenset[str] = frozenset(Callback.json_rules["then"]["required"])
COMMENT_MAX: int = next(m.max_length for m in Callback.model_fields["comments"].metadata if isinstance(m, MaxLen))
CSRF = "the CSRF token the page put in the form"


def _scale(name: str) -> str:
    low, high = SCORES[name]
    return f"{low}-{high}{' (required)' if name in REQUIRED_SCORES else ''}"


class QuoteForm(BaseModel):
    decision: str | None = Field(None, description="`approve` or `decline` (the button pressed)")
    quote_version: str | None = Field(None, description="the version of the quote the page showed")
    csrf: str | None = Field(None, description=CSRF)


class SurveyForm(BaseModel):
    csat: str | None = Field(None, description=f"overall satisfaction, {_scale('csat')}")
    nps: str | None = Field(None, description=f"likelihood to recommend, {_scale('nps')}")
    ces: str | None = Field(None, description=f"customer effort, {_scale('ces')}")
    attitude: str | None = Field(None, description=f"the technician's attitude, {_scale('attitude')}")
    professionalism: str | None = Field(None, description=f"the technician's skill, {_scale('professionalism')}")
    comment: str | None = Field(None, description=f"up to {COMMENT_MAX} characters")
    csrf: str | None = Field(None, description=CSRF)


def quote_decision(form: QuoteForm, lang: str) -> QuoteDecision | Problems:
    t, problems = WORDS[lang], []
    if form.decision not in ("approve", "decline"):
        problems.append(("decision", t["decision"]))
    version = (form.quote_version or "").strip()
    if not WHOLE_NUMBER.fullmatch(version) or int(version) < 1:
        problems.append(("quote_version", t["quote_version"]))
    return problems or QuoteDecision(approved=form.decision == "approve", quote_version=int(version))


def survey(form: SurveyForm, lang: str) -> Callback | Problems:
    """The answers as the callback an agent records when they reach the customer."""
    found: dict[str, str] = {}
    scores: dict[str, int] = {}
    for name in SCORES:
        text = (getattr(form, name) or "").strip()
        if WHOLE_NUMBER.fullmatch(text):
            scores[name] = int(text)
        elif text:
            found[name] = _problem(name, lang)
    try:
        callback = Callback.model_validate({"reached": True, **scores, "comment": form.comment or None})
    except ValidationError as err:
        for error in err.errors():
            name = _field(error)
            found.setdefault(name, _problem(name, lang, error))
    else:
        if not found:
            return callback
    order = [*SCORES, "comment"]
    return sorted(found.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def _field(error: ErrorDetails) -> str:
    name = str(error["loc"][0]) if error["loc"] else "comment"
    return "comment" if name == "comments" else name


def _problem(name: str, lang: str, error: ErrorDetails | None = None) -> str:
    t = WORDS[lang]
    if name in SCORES:
        low, high = SCORES[name]
        return t["choose"].format(label=SURVEY[lang][name][0], low=low, high=high)
    if error is not None and error["type"] == "string_too_long":
        return t["too_long"].format(label=t["comment"], max=COMMENT_MAX)
    return f"{t['comment']}: {clean_message(error['msg'] if error else '')}"
