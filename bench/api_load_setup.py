"""The API load benchmark's databases: one made from generated cases, with a user and a
session for each client, and a copy of it for pgbench with the same rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from docket.bootstrap import bootstrap
from docket.config import Settings
from docket.identity.model import Role
from docket.identity.service import add_user
from docket.importing.cases_csv import import_cases
from docket.synthetic import generate_dataset

OWN_CASES = 10
"""Cases each client alone writes to."""


@dataclass
class Client:
    username: str
    office: str
    password: str
    secret: str
    own: list[tuple[str, int]]
    token: str = ""


@dataclass
class Setup:
    """What the set-up made: the clients, and each office's cases and persons to read."""

    cases: int
    clients: list[Client]
    offices: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        copy = f' TEMPLATE "{template}"' if template else ""
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
    admin.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def set_up(url: str, cases: int, clients: int, workdir: Path) -> Setup:
    """Migrate, import a synthetic docket, add one officer per client and give each client
    its own in_proceedings cases (without bars, so no bar stands in their way)."""
    docket = bootstrap(Settings(database_url=url), migrate=True)
    try:
        today = docket.clock.now().date()
        generate_dataset(cases=cases, seed=7, as_of=today, out_dir=workdir / "data")
        report = import_cases(  # as `docket import cases` does: it tells the size ahead
            uow=docket.uow,
            clock=docket.clock,
            path=workdir / "data" / "cases.csv",
            actor="bench",
            expected_rows=cases,
        )
        if report.errors or report.cases_imported != cases:
            raise SystemExit(f"the import refused rows: {report.errors[:3]}")
        with docket.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT case_ref, person_id, field_office, state, version, "
                    "EXISTS (SELECT 1 FROM case_bars b WHERE b.case_id = c.case_id) "
                    "OR EXISTS (SELECT 1 FROM case_deadlines d WHERE d.case_id = c.case_id "
                    "AND d.kind <> 'hearing') FROM cases c ORDER BY case_ref"
                )
            ).all()
        result = Setup(cases=len(rows), clients=[])
        writable: dict[str, list[tuple[str, int]]] = {}
        for ref, person_id, office, state, version, encumbered in rows:
            entry = result.offices.setdefault(office, {"cases": [], "persons": []})
            entry["cases"].append(ref)
            entry["persons"].append(person_id)
            if state == "in_proceedings" and not encumbered:
                writable.setdefault(office, []).append((ref, int(version)))
        for entry in result.offices.values():
            entry["persons"] = sorted(set(entry["persons"]))
        for number in range(clients):
            # Each officer goes where the most writable cases are left: offices get officers
            # in proportion to their docket.
            office = max(writable, key=lambda o: len(writable[o]))
            if len(writable[office]) < OWN_CASES:
                raise SystemExit(f"too few cases for {clients} clients: use more --cases")
            own, writable[office] = writable[office][:OWN_CASES], writable[office][OWN_CASES:]
            username = f"bench.officer{number:03d}"
            made = add_user(
                users=docket.users,
                clock=docket.clock,
                actor="bench",
                username=username,
                role=Role.OFFICER,
                field_office=office,
            )
            assert made.totp_secret is not None
            result.clients.append(Client(username, office, made.password, made.totp_secret, own))
        return result
    finally:
        docket.close()


def set_up_pgbench(url: str, setup: Setup) -> None:
    """In the copy: a session per pgbench client (its officer is the API client's of the same
    number) and the table of the cases each client writes to."""
    engine = sa.create_engine(url)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE bench_own (client_id INT, k INT, case_ref VARCHAR(64), "
            "PRIMARY KEY (client_id, k))"
        )
        for number, client in enumerate(setup.clients):
            connection.execute(
                sa.text(
                    "INSERT INTO sessions SELECT :token, user_id, version, :now, :now "
                    "FROM users WHERE username = :username"
                ),
                {"token": f"pgbench-{number}", "now": now, "username": client.username},
            )
            connection.execute(
                sa.text("INSERT INTO bench_own VALUES (:c, :k, :ref)"),
                [{"c": number, "k": k, "ref": ref} for k, (ref, _) in enumerate(client.own)],
            )
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
