"""Tables. The event log is the source of truth; persons, cases, bars and deadlines are its
projection, written in the same transaction as the events they come from. Text that the core
checks for length (``cases.fields.LIMITS``) is stored in columns exactly that wide."""

from __future__ import annotations

import sqlalchemy as sa

from docket.cases.fields import LIMITS

metadata = sa.MetaData()

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("stream_type", sa.String(16), nullable=False),
    # Text on PostgreSQL (migration 0015): a departure report's stream holds its record id,
    # up to 200 characters. SQLite holds no text to its length, and its table stays as made.
    sa.Column("stream_id", sa.String(64).with_variant(sa.Text, "postgresql"), nullable=False),
    sa.Column("stream_version", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("occurred_on", sa.String(10), nullable=False),
    # ISO text, not a DateTime column: the hash covers the exact text stored.
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(LIMITS["actor"]), nullable=False),
    sa.Column("legal_basis", sa.Text, nullable=False),
    sa.Column("document_ref", sa.String(LIMITS["document_ref"]), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
)

chain_heads = sa.Table(
    "chain_heads",
    metadata,
    sa.Column("chain", sa.String(32), primary_key=True),
    sa.Column("length", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
)

commands = sa.Table(
    "commands",
    metadata,
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
)

persons = sa.Table(
    "persons",
    metadata,
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("a_number", sa.String(16), unique=True),
    sa.Column("given_name", sa.String(LIMITS["given_name"]), nullable=False),
    sa.Column("family_name", sa.String(LIMITS["family_name"]), nullable=False),
    sa.Column("date_of_birth", sa.Date),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    # The names as the departure linkage compares them (storage.rows.name_keys), written with
    # every person row: a report's candidates of the same names are found by equality here.
    # Text, not String(200): case folding may lengthen a name ("ß" becomes "ss").
    sa.Column("given_name_key", sa.Text, nullable=False),
    sa.Column("family_name_key", sa.Text, nullable=False),
    # The rest of what the linkage compares, as it compares it (storage.rows.linkage_keys).
    sa.Column("sex_key", sa.Text),
    sa.Column("postcode_key", sa.Text),
    sa.Column("document_key", sa.Text),
    # A report's candidates, by each blocking rule, read whole from an index (no table row,
    # no snapshot): born the same day, or of the same names (nearest birth dates first).
    sa.Index(
        "ix_persons_born_linkage",
        "date_of_birth",
        "family_name_key",
        "given_name_key",
        "person_id",
        "sex_key",
        "postcode_key",
        "document_key",
    ),
    sa.Index(
        "ix_persons_names_linkage",
        "family_name_key",
        "given_name_key",
        "date_of_birth",
        "person_id",
        "sex_key",
        "postcode_key",
        "document_key",
    ),
)

person_documents = sa.Table(
    "person_documents",
    metadata,
    sa.Column("person_id", sa.String(64), sa.ForeignKey("persons.person_id"), primary_key=True),
    sa.Column("number", sa.String(LIMITS["document_number"]), primary_key=True),
    sa.Index("ix_person_documents_number", "number"),
)
"""Each person's identity-document numbers (normalised): a departure report's document
number links to its person exactly, as an A-number does."""

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("case_id", sa.String(64), primary_key=True),
    sa.Column("case_ref", sa.String(LIMITS["case_ref"]), nullable=False, unique=True),
    sa.Column(
        "person_id", sa.String(64), sa.ForeignKey("persons.person_id"), nullable=False, index=True
    ),
    sa.Column("field_office", sa.String(LIMITS["field_office"]), nullable=False, index=True),
    sa.Column("state", sa.String(32), nullable=False, index=True),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)

case_bars = sa.Table(
    "case_bars",
    metadata,
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.case_id"), primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True, index=True),
)

case_deadlines = sa.Table(
    "case_deadlines",
    metadata,
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.case_id"), primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("due_on", sa.Date, nullable=False, index=True),
    # The exit metrics count overdue voluntary departures among every kind of deadline.
    sa.Index("ix_case_deadlines_kind_due_on", "kind", "due_on"),
)

# Identities (docket.identity). Moments are ISO text in UTC (storage.rows.instant_text), which
# compares in time order on both databases.
users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("field_office", sa.String(16)),
    sa.Column("person_id", sa.String(64)),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("totp_secret", sa.String(64)),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.String(40)),
    sa.Column("last_totp_step", sa.BigInteger, nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.user_id"), nullable=False, index=True),
    sa.Column("user_version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("last_seen_at", sa.String(40), nullable=False),
)

counsel_clients = sa.Table(
    "counsel_clients",
    metadata,
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.user_id"), primary_key=True),
    sa.Column("person_id", sa.String(64), primary_key=True),
    sa.Column("document_ref", sa.String(500), nullable=False),
    sa.Column("since", sa.String(40), nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
)
"""Counsel of record (a notice of appearance, Form G-28 or EOIR-28) and the persons they
represent: a counsel user reads those persons' records and no others."""

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("failure_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("failed_at", sa.String(40), nullable=False),
    sa.Index("ix_login_failures_username_failed_at", "username", "failed_at"),
)

access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("record_type", sa.String(32), nullable=False),
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_access_log_record", "record_type", "record_id"),
)

# Departures (docket.departures): reports as received, the departures they collapse into, and
# the exit-metric counts kept up to date in the same transaction as each report.
departure_reports = sa.Table(
    "departure_reports",
    metadata,
    sa.Column("report_seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("source_record_id", sa.String(200), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("departed_on", sa.String(10), nullable=False),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("person_id", sa.String(64), index=True),
    sa.Column("link_method", sa.String(32), nullable=False),
    sa.Column("match_probability", sa.Float),
    sa.Column("counted", sa.Text, nullable=False),
    sa.Column("departure_id", sa.String(32), nullable=False, index=True),
    sa.Column("intake_departure_id", sa.String(32), nullable=False),
    sa.Column("model_version", sa.Integer),
    sa.Column("candidates", sa.Text, nullable=False),
    # The report as received is hash-chained (``audit.reports``; migration 0013).
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("source", "source_record_id", name="uq_departure_reports_key"),
)

departures = sa.Table(
    "departures",
    metadata,
    sa.Column("departure_id", sa.String(32), primary_key=True),
    # Text: a party made of two names of 200 characters and a birth date is 417 long.
    sa.Column("party", sa.Text, nullable=False),
    sa.Column("first_on", sa.String(10), nullable=False),
    sa.Column("last_on", sa.String(10), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Index("ix_departures_party", "party", "first_on"),
)

departure_counts = sa.Table(
    "departure_counts",
    metadata,
    sa.Column("dimension", sa.String(32), primary_key=True),
    sa.Column("value", sa.Text, primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
    # A span of days is read by day: rows of the days asked, not of every day.
    sa.Index("ix_departure_counts_day", "day", "dimension", "value"),
)

departure_totals = sa.Table(
    "departure_totals",
    metadata,
    sa.Column("dimension", sa.String(32), primary_key=True),
    sa.Column("value", sa.Text, primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
)
"""``departure_counts`` summed over every day, kept up to date in the same statements: the
metrics of all days are read from here, not summed from each day's rows."""

linkage_models = sa.Table(
    "linkage_models",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("trained_at", sa.String(40), nullable=False),
    sa.Column("trained_by", sa.String(200), nullable=False),
    sa.Column("persons", sa.Integer, nullable=False),
    sa.Column("reports", sa.Integer, nullable=False),
    sa.Column("settings", sa.Text, nullable=False),
    sa.Column("term_frequency", sa.Text, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
)
"""Each trained linkage model, versioned: Splink's saved settings and the names' term
frequencies. The departure intake scores with the latest; each link names its version."""

review_decisions = sa.Table(
    "review_decisions",
    metadata,
    sa.Column("decision_seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("source_record_id", sa.String(200), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("person_id", sa.String(64)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("decided_by", sa.String(200), nullable=False),
    sa.Column("decided_at", sa.String(40), nullable=False),
    sa.Index("ix_review_decisions_report", "source", "source_record_id"),
)
"""A reviewer's decision on a departure report the linkage model was unsure of: link it to a
person, reject the candidates, or mark it as of nobody with a case; always with a reason."""

priority_runs = sa.Table(
    "priority_runs",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("ran_at", sa.String(40), nullable=False, index=True),
    sa.Column("ran_by", sa.String(200), nullable=False),
    sa.Column("purpose", sa.String(500), nullable=False),
    sa.Column("policy_name", sa.String(64), nullable=False),
    sa.Column("policy_version", sa.String(64), nullable=False),
    sa.Column("policy_hash", sa.String(64), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("rescinded_allowed", sa.Boolean, nullable=False),
    sa.Column("office", sa.String(16)),
    sa.Column("cases_scored", sa.Integer, nullable=False),
    sa.Column("cases_shown", sa.Integer, nullable=False),
    sa.Column("output_sha256", sa.String(64), nullable=False),
    sa.Column("output", sa.LargeBinary, nullable=False),
)
"""Every ranking run, for oversight: the policy (name, version, content hash), the date it was
applied for, who ran it, and its output as shown (each case's rank, category, score and
explanation, with the fact ids used), zlib-compressed JSON with its SHA-256. Determinations on
its recommendations are events on the cases (``priority_determined``) naming the run."""
