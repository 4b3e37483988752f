"""The served spec is the one in docs/openapi.json, and every route names its policy action."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from docket.api.app import create_app
from docket.api.deps import NAMED, POLICY_KEY
from docket.api.spec import render
from docket.identity.policy import POLICY, Action

ROOT = Path(__file__).resolve().parents[2]


def test_docs_openapi_json_is_the_current_spec():
    assert (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8") == render(), (
        "the API changed: run `make docs` and review docs/openapi.json"
    )


def test_every_route_names_an_action_of_the_policy_table(settings, clock):
    app = create_app(settings, clock=clock)
    try:
        operations = [
            (path, operation)
            for path, methods in app.openapi()["paths"].items()
            for operation in methods.values()
        ]
    finally:
        app.state.docket.close()
    granted = {action for row in POLICY.values() for action in row}
    assert operations
    public = set()
    for path, operation in operations:
        named = operation.get(POLICY_KEY)
        assert named is not None, f"{path} names no policy action"
        if named == "public":
            public.add(path)
        else:
            assert Action(named) in granted, f"{path}: {named} is nobody's"
    assert public == {"/api/session", "/api/session/password"}


def test_the_spec_is_valid_json_with_every_command(settings, clock):
    spec = json.loads(render())
    commands = [path for path in spec["paths"] if "/events/" in path]
    assert len(commands) > 25


def test_every_operation_declares_the_answers_any_request_may_get():
    """Any request may be invalid (422), and any may find the database unavailable (503, with
    ``Retry-After``: tests/api/test_database_failure.py); a client generated from the spec
    must know both, in the one error shape."""
    spec = json.loads(render())
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            answers = operation["responses"]
            for status in ("422", "503"):
                assert status in answers, f"{method} {path} does not declare {status}"
                assert answers[status]["content"]["application/json"]["schema"] == error
            retry = answers["503"]["headers"]["Retry-After"]
            assert retry["schema"]["type"] == "integer", f"{method} {path}"


def test_no_pattern_of_the_spec_uses_a_class_whose_set_depends_on_the_dialect():
    """``\\s``, ``\\d`` and ``\\w`` mean other sets in the spec's regular expressions (ECMA
    262: ``\\s`` has U+FEFF and not U+001C) than in Python's and Pydantic's: a client
    generated from the spec would send what the server refuses, or finds blank."""
    patterns: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            patterns.extend(v for k, v in node.items() if k == "pattern" and isinstance(v, str))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(json.loads(render()))
    assert patterns
    for pattern in patterns:
        for escape in ("\\s", "\\d", "\\w", "\\S", "\\D", "\\W"):
            assert escape not in pattern, f"{escape} in {pattern}"


@pytest.mark.parametrize("name", ["\x1c", "\x1f", "\u3000", " \t", "\u2028"])
def test_a_name_of_spaces_only_is_refused_by_its_pattern_as_the_server_strips_it(name):
    """The spec's pattern and the server agree on what is blank (``str.strip``)."""
    assert not re.fullmatch(NAMED, name)
    assert not name.strip()
    assert re.fullmatch(NAMED, f"{name}Ana")
