"""Tracking tokens (tracking.py): a token opens its own case until it expires, and nothing
else opens any; a form's CSRF token is good only with the tracking token it was served under."""

import time

import itsdangerous
import pytest
from itsdangerous import URLSafeTimedSerializer

import tracking
from settings import Settings

SETTINGS = Settings(tracking_secret="a-test-secret-of-at-least-32-characters", tracking_days=30)
CASE = "RC-20261201-7KQ2MX"
DAY = 24 * 3600


def issued_at(at: float) -> str:
    """A token signed as if the clock read `at`."""
    with pytest.MonkeyPatch.context() as frozen:
        frozen.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(at))
        return tracking.issue(CASE, SETTINGS)


def test_a_token_reads_as_its_case():
    token = tracking.issue(CASE, SETTINGS)
    assert tracking.read(token, SETTINGS) == CASE
    assert tracking.read(tracking.issue("RC-20261201-OTHER1", SETTINGS), SETTINGS) == "RC-20261201-OTHER1"


def test_a_token_is_url_safe_and_short():
    token = tracking.issue(CASE, SETTINGS)
    assert tracking.TOKEN.fullmatch(token) and len(token) < 100


def test_the_link_is_the_public_url_and_the_token():
    settings = SETTINGS.model_copy(update={"public_url": "https://repair.example.com/"})
    link = tracking.link(CASE, settings)
    assert link.startswith("https://repair.example.com/track/")
    assert tracking.read(link.rsplit("/", 1)[1], settings) == CASE


def test_a_token_works_for_its_days_and_not_one_second_more():
    now = time.time()
    assert tracking.read(issued_at(now - 30 * DAY + 60), SETTINGS) == CASE
    assert tracking.read(issued_at(now - 30 * DAY - 60), SETTINGS) is None
    assert tracking.read(issued_at(now - 30 * DAY - 60), SETTINGS.model_copy(update={"tracking_days": 31})) == CASE


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
        lambda token: token[:-4],
        lambda token: token + "é",  # base64 decoding would skip it
        lambda token: token + "=",
        lambda token: token.replace(".", "..", 1),
        lambda token: "",
        lambda token: "x" * 301,
        lambda token: "not-a-token",
        lambda token: token + "\x00",
    ],
)
def test_a_tampered_token_reads_as_none(tamper):
    assert tracking.read(tamper(tracking.issue(CASE, SETTINGS)), SETTINGS) is None


def test_another_case_in_the_payload_breaks_the_signature():
    token = tracking.issue(CASE, SETTINGS)
    other = tracking.issue("RC-20261201-OTHER1", SETTINGS)
    swapped = ".".join([other.split(".")[0], *token.split(".")[1:]])
    assert tracking.read(swapped, SETTINGS) is None


def test_a_token_of_another_secret_reads_as_none():
    other = SETTINGS.model_copy(update={"tracking_secret": "another-secret-of-at-least-32-characters"})
    assert tracking.read(tracking.issue(CASE, other), SETTINGS) is None


def test_the_same_secret_signing_something_else_makes_no_token():
    # another use of the secret (no salt, or another salt) cannot mint a tracking token
    for salt in (b"itsdangerous", "repairflow.other"):
        signed = URLSafeTimedSerializer(SETTINGS.tracking_secret, salt=salt).dumps({"case": CASE})
        assert tracking.read(signed, SETTINGS) is None


@pytest.mark.parametrize("payload", [["RC-1"], {"case": 7}, {"id": CASE}, "RC-1"])
def test_a_signed_payload_of_another_shape_reads_as_none(payload):
    signed = tracking._signer(SETTINGS).dumps(payload)
    assert tracking.read(signed, SETTINGS) is None


def test_the_csrf_token_is_bound_to_its_tracking_token():
    token, other = tracking.issue(CASE, SETTINGS), tracking.issue("RC-20261201-OTHER1", SETTINGS)
    csrf = tracking.csrf_token(token, SETTINGS)
    assert tracking.csrf_ok(token, csrf, SETTINGS)
    assert not tracking.csrf_ok(other, csrf, SETTINGS)
    assert not tracking.csrf_ok(token, tracking.csrf_token(other, SETTINGS), SETTINGS)
    assert csrf == tracking.csrf_token(token, SETTINGS)  # the page can be reloaded: the same token


def test_the_csrf_token_depends_on_the_secret():
    token = tracking.issue(CASE, SETTINGS)
    other = SETTINGS.model_copy(update={"tracking_secret": "another-secret-of-at-least-32-characters"})
    assert not tracking.csrf_ok(token, tracking.csrf_token(token, other), SETTINGS)


@pytest.mark.parametrize("sent", [None, "", "0" * 64, "é" * 64, "\x00"])
def test_a_missing_or_wrong_csrf_token_is_refused(sent):
    assert not tracking.csrf_ok(tracking.issue(CASE, SETTINGS), sent, SETTINGS)
