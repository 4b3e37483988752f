"""One-time codes: RFC 6238's own test vector, the drift window, and no code accepted twice."""

from __future__ import annotations

import base64
import datetime as dt

from docket.identity import totp

# RFC 6238, appendix B: the SHA-1 secret is the ASCII of "12345678901234567890".
SECRET = base64.b32encode(b"12345678901234567890").decode()
AT_59 = dt.datetime.fromtimestamp(59, dt.UTC)


def test_the_code_is_rfc_6238s_test_vector():
    assert totp.code_at(SECRET, AT_59) == "287082"  # 94287082 in eight digits


def test_a_code_is_accepted_in_its_step_and_the_ones_beside_it_and_no_further():
    code = totp.code_at(SECRET, AT_59)  # step 1

    def step_at(seconds_later: int, after_step: int = 0) -> int | None:
        at = AT_59 + dt.timedelta(seconds=seconds_later)
        return totp.accepted_step(SECRET, code, at=at, after_step=after_step)

    assert step_at(0) == 1
    assert step_at(30) == 1
    assert step_at(-30, after_step=-1) == 1
    assert step_at(61) is None


def test_a_code_already_used_is_refused():
    code = totp.code_at(SECRET, AT_59)
    assert totp.accepted_step(SECRET, code, at=AT_59, after_step=1) is None


def test_a_wrong_code_is_refused():
    assert totp.accepted_step(SECRET, "000000", at=AT_59, after_step=0) is None


def test_new_secrets_differ_and_make_an_authenticator_uri():
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second
    assert len(base64.b32decode(first)) == 20
    assert totp.provisioning_uri(first, username="ana").startswith("otpauth://totp/Docket:ana?")
