"""Where one outbox row goes: the recipient's channels in their order of preference, each
an apprise URL made from the configured template and their address; and the sends
themselves, apprise for people and a signed POST for webhooks."""

import asyncio
import hashlib
import hmac
import ipaddress
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

import apprise
import httpx

from models.messages import DEFAULT_CONTACT_CHANNELS, ContactChannel
from settings import Settings

# the placeholder of each channel's address in its URL template
PLACEHOLDER = {ContactChannel.EMAIL: "{email}", ContactChannel.SMS: "{phone}", ContactChannel.WECHAT: "{openid}"}
SIGNATURE_HEADER = "X-RepairFlow-Signature"


@dataclass(frozen=True)
class Contact:
    """A person's addresses and the order to try their channels in."""

    email: str | None = None
    phone: str | None = None
    wechat_openid: str | None = None
    channels: tuple[ContactChannel, ...] = DEFAULT_CONTACT_CHANNELS

    def address(self, channel: ContactChannel) -> str | None:
        if channel is ContactChannel.EMAIL:
            return self.email
        if channel is ContactChannel.SMS:
            # gateways want the digits: "+86 138-0013-8000" -> "+8613800138000"
            return "".join(c for c in self.phone if c.isdigit() or c == "+") if self.phone else None
        return self.wechat_openid


@dataclass(frozen=True)
class Route:
    """One way to send: a channel and the apprise URLs it means for this recipient."""

    channel: str
    urls: tuple[str, ...]


def bounded(url: str, seconds: float) -> str:
    """The URL with apprise's connect and read timeouts (`cto`, `rto`) unless it sets them."""
    params = parse_qs(urlsplit(url).query)
    extra = "&".join(f"{name}={seconds:g}" for name in ("cto", "rto") if name not in params)
    return url if not extra else f"{url}{'&' if '?' in url else '?'}{extra}"


def person_routes(contact: Contact, settings: Settings, *, staff: bool) -> list[Route]:
    """The channels this person can be reached on, first choice first: those with both an
    address and a configured URL template."""
    routes = []
    for channel in contact.channels:
        template, address = settings.channel_url(staff, channel), contact.address(channel)
        if template and address:
            url = template.replace(PLACEHOLDER[channel], quote(address, safe=""))
            routes.append(Route(channel.value, (bounded(url, settings.delivery_send_timeout),)))
    return routes


def group_route(url: str, settings: Settings) -> Route:
    return Route("group", (bounded(url, settings.delivery_send_timeout),))


# apprise blocks: its sends run on threads of their own, and wait for one here, where the
# wait can still be called off, rather than queued where a timed-out attempt would still send
SENDERS = 16
_pool = ThreadPoolExecutor(SENDERS, thread_name_prefix="apprise")
_free = asyncio.Semaphore(SENDERS)


def _notify(urls: tuple[str, ...], subject: str, body: str) -> bool:
    channels = apprise.Apprise()
    for url in urls:
        if not channels.add(url):
            return False
    # plain text: the texts are written as text, and a customer's words must never become markup
    return bool(channels.notify(title=subject, body=body, body_format=apprise.NotifyFormat.TEXT))


async def send_message(route: Route, subject: str, body: str, short: str | None) -> str | None:
    """None when sent, else why not."""
    text = short if route.channel == ContactChannel.SMS.value and short else body
    async with _free:
        sent = await asyncio.get_running_loop().run_in_executor(_pool, _notify, route.urls, subject, text)
    return None if sent else f"{route.channel}: apprise could not deliver"


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global


def refused_target(url: str) -> str | None:
    """Why a webhook URL may not be called, from the URL alone: credentials in it, or a host
    that names this machine or a private network (literal addresses and `localhost`)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.username or parts.password:
        return "the URL may not carry credentials"
    if host == "localhost" or host.endswith(".localhost"):
        return "the URL may not name this machine"
    try:
        return "the URL may not name a private or local address" if _private(host) else None
    except ValueError:  # a name, not an address
        return None


async def refused_resolution(url: str) -> str | None:
    """Why not, once the name is resolved: every address it resolves to must be public."""
    parts = urlsplit(url)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443)
    except OSError as err:
        return f"webhook: cannot resolve the host ({err.strerror or err})"
    if any(_private(str(info[4][0])) for info in infos):
        return "webhook: the host resolves to a private or local address"
    return None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it
    with the subscription's secret and refuses an old timestamp, so a captured call cannot be
    replayed later."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


async def send_webhook(
    url: str, secret: str, delivery_id: int, event_type: str, body: str, seconds: float, *, public_only: bool
) -> str | None:
    """`public_only` (production): no call to this machine or a private network, whatever
    the name resolves to when the call is made."""
    if public_only and (refused := refused_target(url) or await refused_resolution(url)):
        return refused
    payload = body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "RepairFlow-Webhook/1",
        SIGNATURE_HEADER: signature(secret, int(time.time()), payload),
        "X-RepairFlow-Event": event_type,
        # the same on every retry: the receiver's key for doing it once
        "X-RepairFlow-Delivery": str(delivery_id),
    }
    try:
        async with httpx.AsyncClient(timeout=seconds, follow_redirects=False) as client:
            response = await client.post(url, content=payload, headers=headers)
    except httpx.HTTPError as err:
        return f"webhook: {type(err).__name__}"
    if 200 <= response.status_code < 300:
        return None
    return f"webhook: HTTP {response.status_code}"


def webhook_body(delivery_event: dict) -> str:
    return json.dumps(delivery_event, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
