"""Unguessable link tokens (DOMAIN.md rule 15). Pure.

A token is an HMAC of the record's number and a random salt under the store's secret key. The
database keeps only the salt and a SHA-256 of the token: a leaked database reveals no link,
and the store can still send a link again (or answer an idempotent replay) by recomputing it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_salt() -> str:
    return secrets.token_hex(16)


def link_token(secret_key: str, purpose: str, number: str, salt: str) -> str:
    digest = hmac.new(
        secret_key.encode(), f"{purpose}:{number}:{salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_number(prefix: str) -> str:
    """A short reference a person can read out: no 0/O or 1/I.

    Eight random bytes, each picking one of the 32 letters (256 is a multiple of 32, so each
    is equally likely, as ``secrets.choice`` would pick them), in one call for randomness.
    """
    return prefix + "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in secrets.token_bytes(8))
