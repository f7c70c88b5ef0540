"""Passwords (argon2id), bearer tokens (random, stored only as a hash) and invite codes."""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
TOKEN_BYTES = 32  # 256 bits: unguessable, and the hash stored server-side is useless to a thief

# A hash of a random password, checked when the username does not exist, so a login takes the
# same time whether or not the account is real.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _hash_sync(password: str) -> str:
    return _hasher.hash(password)


def _verify_sync(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hash_sync, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify_sync, password_hash, password)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invite_code() -> str:
    return secrets.token_urlsafe(12)


# Setup codes are read off a terminal and often typed on a phone: no look-alike characters (0/O, 1/I/L,
# U/V), grouped by four. 12 characters from 30 give about 59 bits; with the code single-use, expiring
# and registration rate-limited, guessing it is hopeless.
SETUP_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
SETUP_CODE_CHARS = 12


def new_setup_code() -> str:
    raw = "".join(secrets.choice(SETUP_CODE_ALPHABET) for _ in range(SETUP_CODE_CHARS))
    return "-".join(raw[i:i + 4] for i in range(0, SETUP_CODE_CHARS, 4))


def setup_code_hash(code: str) -> str:
    """The stored form of a setup code; case, spaces and dashes do not matter when it is typed back."""
    normalised = "".join(code.split()).replace("-", "").upper()
    return token_hash("setup:" + normalised)
