"""The payload codec: what it seals carries no plaintext, names its key, opens with any
key the process still has (rotation), and refuses a payload it cannot authenticate."""

import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload

from codec import ENCODING, KEY_ID, EncryptionCodec, UnknownKey
from settings import Settings, parse_payload_key

K1 = ("k1", os.urandom(32))
K2 = ("k2", os.urandom(32))
SECRET = b'{"name": "Wang Fang", "phone": "13800138000"}'


def plain(data: bytes = SECRET) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


async def test_a_sealed_payload_names_its_key_and_holds_no_plaintext():
    [sealed] = await EncryptionCodec([K1]).encode([plain()])
    assert sealed.metadata["encoding"] == ENCODING and sealed.metadata[KEY_ID] == b"k1"
    assert b"Wang" not in sealed.data and b"13800138000" not in sealed.data
    [again] = await EncryptionCodec([K1]).encode([plain()])
    assert again.data != sealed.data  # a fresh nonce each time


async def test_it_opens_what_it_sealed():
    codec = EncryptionCodec([K1])
    assert await codec.decode(await codec.encode([plain()])) == [plain()]


async def test_after_a_rotation_the_old_key_still_opens_and_the_new_one_seals():
    old = await EncryptionCodec([K1]).encode([plain()])
    rotated = EncryptionCodec([K2, K1])
    assert await rotated.decode(old) == [plain()]
    assert (await rotated.encode([plain()]))[0].metadata[KEY_ID] == b"k2"
    with pytest.raises(UnknownKey):
        await EncryptionCodec([K2]).decode(old)


async def test_payloads_from_before_encryption_pass_through():
    assert await EncryptionCodec([K1]).decode([plain()]) == [plain()]


async def test_a_tampered_payload_is_refused():
    [sealed] = await EncryptionCodec([K1]).encode([plain()])
    sealed.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(InvalidTag):
        await EncryptionCodec([K1]).decode([sealed])


def test_payload_keys_are_checked_when_the_process_starts():
    good = "k1:" + base64.b64encode(os.urandom(32)).decode()
    assert parse_payload_key(good)[0] == "k1"
    for bad in ("k1", "k1:not-base64!", ":" + good.split(":")[1], "k1:" + base64.b64encode(b"short").decode()):
        with pytest.raises(ValueError):
            Settings(payload_key=bad)


TRACKING_SECRET = "5e" * 32


def test_production_refuses_dev_keys_and_payloads_in_clear():
    key = "k1:" + base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(ValueError, match="payload_key"):
        Settings(env="production")
    for api_keys in (
        {"dev-agent-key": {"name": "desk", "role": "agent"}},
        {"s3cret-long-key": {"name": "dev-agent", "role": "agent"}},
    ):
        with pytest.raises(ValueError, match="dev keys"):
            Settings(env="production", payload_key=key, api_keys=api_keys, tracking_secret=TRACKING_SECRET)
    with pytest.raises(ValueError, match="public"):
        Settings(env="production", payload_key="dev-1:" + key.split(":")[1])
    # the tracking links' secret: the dev one, or one too short to resist guessing, is refused
    for secret in ("dev-tracking-secret", "short-but-not-dev"):
        with pytest.raises(ValueError, match="tracking_secret"):
            Settings(env="production", payload_key=key, tracking_secret=secret)
    assert Settings(
        env="production",
        payload_key=key,
        api_keys={"s3cret": {"name": "desk-1", "role": "agent"}},
        tracking_secret=TRACKING_SECRET,
    )
