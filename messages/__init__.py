"""Customer and staff messages: Jinja templates per locale, each with a subject, a body and
an SMS short form (messages/<locale>/<template>.j2, common parts in messages/_shared/)."""

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined

from messages.formats import FILTERS
from models.messages import MessageContext, Template

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"

ENV = Environment(
    loader=PackageLoader("messages", "."),
    # plain text: nothing is HTML, so nothing is escaped
    autoescape=False,
    # a misspelt name is an error in the tests rather than a blank in a customer's message;
    # optional data is left out by the templates' own {% if %}
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(FILTERS)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    short: str  # one line for SMS


def locale_of(locale: str) -> str:
    return locale if locale in LOCALES else DEFAULT_LOCALE


def render(template: Template, locale: str, context: MessageContext) -> Rendered:
    """The message `template` in `locale` (zh-CN for one we have no texts in)."""
    source = ENV.get_template(f"{locale_of(locale)}/{Template(template).value}.j2")
    values = dict(context)  # the fields themselves: the quote stays a model, times stay aware

    def block(name: str) -> str:
        # each block on its own: a file's top level never runs, so its blocks import what they use
        return "".join(source.blocks[name](source.new_context(values))).strip()

    # a subject and an SMS are one line whatever line breaks the data holds
    return Rendered(
        subject=" ".join(block("subject").split()),
        body=block("body"),
        short=" ".join(block("short").split()),
    )
