"""Where one outbox row goes: the recipient's channels in their order of preference, each
an apprise URL made from the configured template and their address; and the sends
themselves, apprise for people and a signed POST for webhooks."""

import asyncio
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import quote

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


def person_routes(contact: Contact, settings: Settings, *, staff: bool) -> list[Route]:
    """The channels this person can be reached on, first choice first: those with both an
    address and a configured URL template."""
    routes = []
    for channel in contact.channels:
        template, address = settings.channel_url(staff, channel), contact.address(channel)
        if template and address:
            routes.append(Route(channel.value, (template.replace(PLACEHOLDER[channel], quote(address, safe="")),)))
    return routes


def _notify(urls: tuple[str, ...], subject: str, body: str) -> bool:
    channels = apprise.Apprise()
    for url in urls:
        if not channels.add(url):
            return False
    return bool(channels.notify(title=subject, body=body))


async def send_message(route: Route, subject: str, body: str, short: str | None) -> str | None:
    """None when sent, else why not. apprise blocks, so it runs in a thread; its own
    connect and read timeouts bound it."""
    text = short if route.channel == ContactChannel.SMS.value and short else body
    sent = await asyncio.to_thread(_notify, route.urls, subject, text)
    return None if sent else f"{route.channel}: apprise could not deliver"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it
    with the subscription's secret and refuses an old timestamp, so a captured call cannot be
    replayed later."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


async def send_webhook(
    url: str, secret: str, delivery_id: int, event_type: str, body: str, seconds: float
) -> str | None:
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
