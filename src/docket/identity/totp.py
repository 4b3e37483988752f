"""Time-based one-time codes (RFC 6238: 30-second steps, 6 digits, SHA-1), the only importer of
pyotp. A code is accepted in its own step or the one before or after (clock drift)."""

from __future__ import annotations

import datetime as dt

import pyotp

STEP_SECONDS = 30
ISSUER = "Docket"


def new_secret() -> str:
    """A fresh random secret (base32, 160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, *, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (usually as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def code_at(secret: str, at: dt.datetime) -> str:
    """The code for the step holding ``at``."""
    return pyotp.TOTP(secret).at(at)


def accepted_step(secret: str, code: str, *, at: dt.datetime, after_step: int) -> int | None:
    """The time step whose code ``code`` is, if it is within one step of ``at`` and later
    than ``after_step`` (so a code is never accepted twice); otherwise ``None``."""
    totp = pyotp.TOTP(secret)
    now_step = int(at.timestamp()) // STEP_SECONDS
    for step in (now_step - 1, now_step, now_step + 1):
        if step > after_step and pyotp.utils.strings_equal(code, totp.at(step * STEP_SECONDS)):
            return step
    return None
