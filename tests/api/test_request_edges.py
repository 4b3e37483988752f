"""Requests at the edges of HTTP: a path with a trailing slash, credentials given twice."""

from __future__ import annotations

import pytest

from docket.api.app import SECURITY_HEADERS


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/cases/"), ("GET", "/api/cases/DKT-NYC-1/"), ("POST", "/api/session/")],
)
def test_a_path_with_a_trailing_slash_is_an_unknown_path_not_a_redirect(client, method, path):
    # A redirect would send the client to the host its own Host header named (a login's
    # password along with it), in no error shape; the spec has no such path.
    response = client.request(
        method, path, headers={"Host": "elsewhere.example"}, follow_redirects=False
    )
    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.json()["error"]["code"] == "not_found"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
