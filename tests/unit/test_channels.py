"""Which channels a person is reached on, the URLs made for them, and webhook signatures."""

import hashlib
import hmac

from activities.channels import Contact, bounded, person_routes, refused_target, signature
from activities.dispatch import DELIVERY_WORKFLOW
from activities.recipients import Recipient, dedupe_key
from models.messages import ContactChannel
from settings import Settings
from workflows.delivery import DeliveryWorkflow

MAIL = "mailto://smtp.example.cn:587?from=service@example.cn&to={email}"
SMS = "json://sms.example.cn/send?to={phone}"
WECHAT = "json://wx.example.cn/push?openid={openid}"


def test_the_first_preferred_channel_with_an_address_and_a_template_comes_first():
    settings = Settings(customer_email_url=MAIL, customer_sms_url=SMS, customer_wechat_url=WECHAT)
    person = Contact(email="wang.fang+rf@example.cn", phone="+86 138-0013-8000", wechat_openid="oAbc_123-x")
    routes = person_routes(person, settings, staff=False)
    assert [r.channel for r in routes] == ["wechat", "sms", "email"]
    # addresses are encoded into the URL, so `+`, `@` and spaces cannot change its meaning
    timeouts = "&cto=30&rto=30"
    assert routes[0].urls == ("json://wx.example.cn/push?openid=oAbc_123-x" + timeouts,)
    assert routes[1].urls == ("json://sms.example.cn/send?to=%2B8613800138000" + timeouts,)
    assert routes[2].urls == (
        "mailto://smtp.example.cn:587?from=service@example.cn&to=wang.fang%2Brf%40example.cn" + timeouts,
    )


def test_a_channel_without_an_address_or_a_template_is_skipped():
    mail_only = Settings(customer_email_url=MAIL)
    no_mail = Contact(phone="13800138000", channels=(ContactChannel.SMS, ContactChannel.EMAIL))
    assert person_routes(no_mail, mail_only, staff=False) == []
    texted = Contact(phone="13800138000", email="a@example.cn", channels=(ContactChannel.SMS, ContactChannel.EMAIL))
    assert [r.channel for r in person_routes(texted, mail_only, staff=False)] == ["email"]
    # staff have templates of their own
    assert person_routes(texted, mail_only, staff=True) == []
    assert [r.channel for r in person_routes(texted, Settings(staff_sms_url=SMS), staff=True)] == ["sms"]


def test_any_channel_counts_people_and_group_bots():
    assert not Settings().any_channel
    assert Settings(staff_wechat_url=WECHAT).any_channel
    assert Settings(staff_group_urls={"supervisor": ["wecombot://key"]}).any_channel


def test_the_signature_is_an_hmac_of_the_time_and_the_body():
    body = b'{"case_id":"RC-1"}'
    header = signature("s3cret", 1_764_000_000, body)
    t, v1 = (part.split("=", 1)[1] for part in header.split(","))
    assert t == "1764000000"
    assert v1 == hmac.new(b"s3cret", b"1764000000." + body, hashlib.sha256).hexdigest()
    assert signature("other", 1_764_000_000, body) != header
    assert signature("s3cret", 1_764_000_001, body) != header
    assert signature("s3cret", 1_764_000_000, body + b" ") != header


def test_dedupe_keys_keep_the_customer_key_and_name_each_staff_recipient():
    assert dedupe_key("RC-1:accepted-1", Recipient("customer", "en")) == "RC-1:accepted-1"
    assert dedupe_key("RC-1:sla_warn-assigned-1-1", Recipient("staff:T-001", "zh-CN")) == (
        "RC-1:sla_warn-assigned-1-1>staff:T-001"
    )


def test_deliveries_are_started_by_the_workflows_registered_name():
    assert DeliveryWorkflow.__temporal_workflow_definition.name == DELIVERY_WORKFLOW


def test_apprise_urls_get_the_send_timeout_unless_they_set_their_own():
    assert bounded("mailto://smtp.example.cn?to=a%40b.cn", 30) == "mailto://smtp.example.cn?to=a%40b.cn&cto=30&rto=30"
    assert bounded("wecombot://key", 2.5) == "wecombot://key?cto=2.5&rto=2.5"
    assert bounded("json://x.cn/?rto=9", 30) == "json://x.cn/?rto=9&cto=30"
    routes = person_routes(
        Contact(email="a@b.cn"), Settings(customer_email_url=MAIL, delivery_send_timeout=5), staff=False
    )
    assert routes[0].urls[0].endswith("&cto=5&rto=5")


def test_webhook_targets_on_this_machine_or_a_private_network_are_refused():
    for url in (
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://api.localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "https://user:pw@hooks.example.com/x",
    ):
        assert refused_target(url), url
    assert refused_target("https://hooks.example.com/repairflow") is None
    assert refused_target("https://203.0.113.9/x")  # documentation range: not global either
    assert refused_target("https://8.8.8.8/x") is None
