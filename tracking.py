"""Tracking tokens: the customer's key to their case's page, signed and expiring.

A token names one case and carries when it was issued (itsdangerous' timed signature,
HMAC-SHA256 under `tracking_secret`). Without the secret nobody can make one, so the
case id inside is no way in; a token past `tracking_days` or signed under another
secret reads as no token at all. Each form on the page carries a CSRF token bound to the
tracking token it was served under.
"""

import hashlib
import hmac
import re

from itsdangerous import BadSignature, URLSafeTimedSerializer

from settings import Settings

DAY = 24 * 3600


def _signer(settings: Settings) -> URLSafeTimedSerializer:
    # the salt keeps a tracking token from passing as any other thing signed with the secret
    return URLSafeTimedSerializer(
        settings.tracking_secret, salt="repairflow.track", signer_kwargs={"digest_method": hashlib.sha256}
    )


def issue(case_id: str, settings: Settings) -> str:
    return _signer(settings).dumps({"case": case_id})


# what issue() makes: URL-safe base64 parts joined by dots. Base64 decoding skips other
# characters, so without this check a token with some added would still read as valid
TOKEN = re.compile(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*")


def read(token: str, settings: Settings) -> str | None:
    """The case id of a valid, unexpired token; None for anything else."""
    if len(token) > 300 or not TOKEN.fullmatch(token):
        return None
    try:
        data = _signer(settings).loads(token, max_age=settings.tracking_days * DAY)
    except BadSignature:  # SignatureExpired is one too
        return None
    case = data.get("case") if isinstance(data, dict) else None
    return case if isinstance(case, str) else None


def link(case_id: str, settings: Settings) -> str:
    return f"{settings.public_url.rstrip('/')}/track/{issue(case_id, settings)}"


def csrf_token(token: str, settings: Settings) -> str:
    key = hashlib.sha256(b"repairflow.csrf:" + settings.tracking_secret.encode()).digest()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(token: str, sent: str | None, settings: Settings) -> bool:
    # compared as bytes: compare_digest refuses str with characters beyond ASCII
    return bool(sent) and hmac.compare_digest(csrf_token(token, settings).encode(), (sent or "").encode())
