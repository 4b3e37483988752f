"""A whole number in a query (a page size, a cursor) is digits and nothing else: "1.0", "+1",
" 1" or "1_000", which Pydantic's lax mode would take, are 422 naming the parameter, on every
route that pages; digits are answered."""

from __future__ import annotations

import pytest

from docket.identity.model import Role
from tests.api.staff import log_in

PAGED = [
    (Role.OFFICER, "/api/cases", "limit"),
    (Role.OFFICER, "/api/cases/DKT-NYC-1/timeline", "limit"),
    (Role.OFFICER, "/api/cases/DKT-NYC-1/timeline", "after"),
    (Role.AUDITOR, "/api/audit", "limit"),
    (Role.AUDITOR, "/api/audit", "after"),
    (Role.SUPERVISOR, "/api/departure-reviews", "limit"),
]


@pytest.mark.parametrize(("role", "path", "name"), PAGED)
def test_a_query_number_is_digits_only(client, docket, role, path, name):
    headers = log_in(client, docket, f"{role.value}.one", role)
    for given in ("1.0", "+1", " 1", "1_000"):
        response = client.get(path, params={name: given}, headers=headers)
        assert response.status_code == 422, (given, response.text)
        fields = response.json()["error"]["details"]["fields"]
        assert [f["field"] for f in fields] == [f"query.{name}"], given
    assert client.get(path, params={name: "1"}, headers=headers).status_code == 200
