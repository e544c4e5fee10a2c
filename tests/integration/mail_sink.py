"""A real SMTP server (aiosmtpd) on a local port that keeps what it receives: the tests send
mail to it through apprise's mailto:// URLs and read it back."""

import email
import email.policy
from dataclasses import dataclass

from aiosmtpd.controller import Controller

from devstack.temporal import free_port


@dataclass(frozen=True)
class Mail:
    sender: str
    to: tuple[str, ...]
    subject: str
    text: str


class MailSink:
    """Not listening until `start()`: a channel that is down until then."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Mail] = []
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(("plain",))
        self.received.append(
            Mail(
                envelope.mail_from,
                tuple(envelope.rcpt_tos),
                str(message["subject"]),
                body.get_content() if body else "",
            )
        )
        return "250 OK"

    def url(self, to: str = "{email}") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=service@repairflow.test&to={to}&secure=no"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.received if address in m.to]
