"""The payload codec: AES-256-GCM over every payload the workflows carry (inputs, update
arguments, activity inputs and results, query answers), so Temporal's history holds no
customer's name or phone number in clear. Each payload names the key that sealed it;
older keys stay readable after a rotation."""

import os
from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE = 12


class UnknownKey(ValueError):
    pass


class EncryptionCodec(PayloadCodec):
    """Seals with the first key, opens with any of them (by the key id in the metadata)."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("the codec needs at least one key")
        self.key_id = keys[0][0]
        self.ciphers = {key_id: AESGCM(key) for key_id, key in keys}

    async def encode(self, payloads: Iterable[Payload]) -> list[Payload]:
        sealer = self.ciphers[self.key_id]
        sealed = []
        for payload in payloads:
            nonce = os.urandom(NONCE)
            data = nonce + sealer.encrypt(nonce, payload.SerializeToString(), None)
            sealed.append(Payload(metadata={"encoding": ENCODING, KEY_ID: self.key_id.encode()}, data=data))
        return sealed

    async def decode(self, payloads: Iterable[Payload]) -> list[Payload]:
        opened = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                opened.append(payload)  # written before encryption was turned on
                continue
            key_id = payload.metadata.get(KEY_ID, b"").decode()
            cipher = self.ciphers.get(key_id)
            if cipher is None:
                raise UnknownKey(f"payload sealed with key {key_id!r}, which this process does not have")
            data = payload.data
            opened.append(Payload.FromString(cipher.decrypt(data[:NONCE], data[NONCE:], None)))
        return opened
