"""HTTP shapes of the outbox: messages and webhook calls with their delivery attempts,
webhook subscriptions, and staff contacts."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StrictBool, field_validator

from models.domain import Email, Name, Phone, PreferredChannels, Strict, WechatOpenId
from models.events import EventType
from models.messages import DEFAULT_CONTACT_CHANNELS

DeliveryState = Literal["pending", "sent", "logged", "failed"]


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AttemptView(View):
    channel: str
    ok: bool
    error: str | None
    at: datetime


class NotificationView(View):
    id: int
    case_id: str | None = Field(description="null for a message about no case: a complaint's or a review's")
    audience: str
    recipient: str = Field(description="customer, staff:<id>, group:<audience>, webhook:<id> or nobody")
    template: str = Field(description="the message template, or the event type of a webhook call")
    locale: str
    subject: str
    status: DeliveryState
    channel: str | None = Field(description="the channel that delivered it")
    attempts: int
    error: str | None = Field(description="why the last attempt failed")
    created_at: datetime
    sent_at: datetime | None


class NotificationDetail(NotificationView):
    body: str
    short_body: str | None
    tries: list[AttemptView] = Field(description="every attempt, per channel, oldest first")


class NotificationPage(View):
    items: list[NotificationView]
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null on the last")


class CaseNotifications(View):
    items: list[NotificationDetail]


class WebhookRequest(Strict):
    url: Annotated[AnyHttpUrl, Field(description="http or https; receives a POST per event")]
    event_types: Annotated[list[EventType], Field(min_length=1, max_length=len(EventType))]

    @field_validator("url")
    @classmethod
    def _short_enough(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(url)) > 2000:
            raise ValueError("at most 2000 characters")
        return url


class WebhookView(View):
    id: int
    url: str
    event_types: list[str]
    active: bool
    created_by: str
    created_at: datetime
    deliveries: dict[str, int] = Field(default_factory=dict, description="outbox rows by status")


class WebhookCreated(WebhookView):
    secret: str = Field(description="the HMAC-SHA256 key of the X-RepairFlow-Signature header; shown only now")


class WebhookList(View):
    items: list[WebhookView]


StaffRole = Literal["technician", "dispatcher", "supervisor", "manager"]


class StaffContact(Strict):
    role: StaffRole
    name: Name
    phone: Phone | None = None
    email: Email = None
    wechat_openid: WechatOpenId = None
    preferred_channels: PreferredChannels = Field(default_factory=lambda: list(DEFAULT_CONTACT_CHANNELS))
    locale: Literal["zh-CN", "en"] = "zh-CN"
    active: StrictBool = True


class StaffView(StaffContact):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    staff_id: str


class StaffList(View):
    items: list[StaffView]
