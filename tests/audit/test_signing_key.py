"""The signing key made by ``docket init``: made once, even by two inits at the same moment."""

from __future__ import annotations

import sys
from pathlib import PosixPath

import pytest

from docket.audit import checkpoint


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
