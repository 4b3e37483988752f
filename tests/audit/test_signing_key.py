"""The signing key made by ``docket init``: made once, even by two inits at the same moment."""

from __future__ import annotations

import re
import sys
from pathlib import PosixPath

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from docket.audit import checkpoint
from docket.errors import ConfigurationError


class _LookedBeforeTheOtherWrote(PosixPath):
    """A key path this init found empty, an instant before another init (a replica starting
    at the same moment) wrote its key there."""

    def exists(self, *args: object, **kwargs: object) -> bool:
        return False


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
def test_a_key_made_meanwhile_by_another_init_is_kept_not_an_error(tmp_path):
    path = tmp_path / "docket-signing.key"
    assert checkpoint.create_key(path) is True  # the other init
    theirs = path.read_bytes()
    assert checkpoint.create_key(_LookedBeforeTheOtherWrote(path)) is False
    assert path.read_bytes() == theirs
    assert [p.name for p in tmp_path.iterdir()] == ["docket-signing.key"]


def _key_text(*, password: bytes | None = None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def test_a_key_under_a_password_is_refused_in_words_not_as_a_type_error(tmp_path):
    path = tmp_path / "docket-signing.key"
    path.write_bytes(_key_text(password=b"secret"))
    path.chmod(0o600)
    with pytest.raises(ConfigurationError, match=r"is encrypted: .* without a password"):
        checkpoint.load_key(path)


def test_a_key_path_that_cannot_be_read_says_so_rather_than_calling_it_no_key(tmp_path):
    with pytest.raises(ConfigurationError, match=r"cannot read the signing key .*: Is a directory"):
        checkpoint.load_key(tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o644, 0o604, 0o620, 0o666], ids=oct)
def test_a_key_other_users_may_read_or_change_is_refused_naming_the_remedy(tmp_path, mode):
    path = tmp_path / "docket-signing.key"
    path.write_bytes(_key_text())
    path.chmod(mode)
    with pytest.raises(
        ConfigurationError, match=rf"\(mode 0{mode:o}\).*chmod 600 {re.escape(str(path))}"
    ):
        checkpoint.load_key(path)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o600, 0o400, 0o640], ids=oct)
def test_a_key_of_its_owner_and_group_alone_is_taken(tmp_path, mode):
    path = tmp_path / "docket-signing.key"
    path.write_bytes(_key_text())
    path.chmod(mode)
    assert isinstance(checkpoint.load_key(path), Ed25519PrivateKey)


def test_the_key_init_makes_is_its_owner_s_alone(tmp_path):
    path = tmp_path / "docket-signing.key"
    assert checkpoint.create_key(path) is True
    assert isinstance(checkpoint.load_key(path), Ed25519PrivateKey)
