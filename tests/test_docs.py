"""docs/ stays true to the code: every setting, error code, route and workflow module is
written down, and the code cites docs/, never a document outside the repository."""

import re
from pathlib import Path

import pytest

from api.app import create_app
from api.errors import HTTP_CODES, KINDS
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# the codes the API answers besides the business kinds and the plain HTTP ones
OWN_CODES = {"temporal_unavailable", "database_unavailable", "internal_error"}


def doc(name: str) -> str:
    return (DOCS / name).read_text()


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field):
    assert f"REPAIRFLOW_{field.upper()}" in doc("configuration.md")


@pytest.mark.parametrize("code", sorted({code for _, code, _ in KINDS.values()} | set(HTTP_CODES.values()) | OWN_CODES))
def test_every_error_code_is_documented(code):
    assert f"`{code}`" in doc("api.md")


def routes() -> list[str]:
    paths = create_app(Settings()).openapi()["paths"]
    return sorted(f"{method.upper()} {path}" for path, ops in paths.items() for method in ops)


@pytest.mark.parametrize("route", routes())
def test_every_route_is_documented(route):
    method, path = route.split()
    assert re.search(rf"`{method} {re.escape(path)}`", doc("api.md")), route


@pytest.mark.parametrize("module", sorted(p.name for p in (ROOT / "workflows").glob("*.py") if p.stem != "__init__"))
def test_every_workflow_module_is_described(module):
    assert f"`workflows/{module}`" in doc("architecture.md")


def test_the_readme_links_the_design():
    readme = (ROOT / "README.md").read_text()
    assert "docs/README.md" in readme
    assert all(f"docs/{page}" in readme for page in ("architecture.md", "api.md", "configuration.md"))


def test_the_code_cites_docs_not_an_outside_document():
    sources = [p for p in ROOT.rglob("*.py") if ".venv" not in p.parts and "histories" not in p.parts]
    citing = [str(p.relative_to(ROOT)) for p in sources if re.search(r"DESIGN(\.md| §)", p.read_text())]
    assert citing == []
