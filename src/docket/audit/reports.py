"""Departure reports as Docket received them, on a hash chain of their own
(:data:`DEPARTURES_CHAIN`, same scheme as the events): a report closes cases and stops
enforcement, so what a source said, when, and who recorded it must not change unseen.

What linkage makes of a report (its person, status, departure) is not chained: relinking
changes it, and every reviewer's decision on it is an event on the log."""

from __future__ import annotations

DEPARTURES_CHAIN = "departures"

REPORT_COLUMNS = (
    "source",
    "source_record_id",
    "content_hash",
    "content",
    "departed_on",
    "received_at",
    "recorded_by",
)
"""The columns of ``departure_reports`` a report's hash covers, besides its place
(``report_seq``): the report as received."""
