"""How ``docket priority`` shows its results: the ranking as a table and as CSV, a case's
explanation, the disparity report, policy packs."""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from collections.abc import Sequence
from typing import Any, BinaryIO, Literal

import click

from docket.csv_output import SpreadsheetSafeWriter
from docket.priority.packs import Pack
from docket.priority.scoring import Explanation, RankedCase

CSV_COLUMNS = ("rank", "case_ref", "category", "score", "contributions", "fact_ids")
TABLE_HEADER = f"{'rank':>6}  {'case':<16} {'category':<28} {'score':>5}  contributions"


def table_row(explanation: Explanation) -> str:
    """One case of the ranking: rank, case, category, score, each rule's points."""
    category = explanation.category.id if explanation.category else "-"
    brief = ", ".join(f"{c.rule.id} {c.points:+d}" for c in explanation.contributions) or "-"
    return (
        f"{explanation.rank:>6}  {explanation.case_ref:<16} {category:<28} "
        f"{explanation.score:>5}  {brief}"
    )


def csv_row(explanation: Explanation) -> dict[str, object]:
    """One case of the ranking as CSV: contributions as ``rule:points`` and the fact ids,
    each joined by ``;``."""
    return {
        "rank": explanation.rank,
        "case_ref": explanation.case_ref,
        "category": explanation.category.id if explanation.category else "",
        "score": explanation.score,
        "contributions": ";".join(f"{c.rule.key}:{c.points}" for c in explanation.contributions),
        "fact_ids": ";".join(explanation.fact_ids()),
    }


class HeldRanking:
    """A ranking's output (JSON lines, CSV or a table), held in memory, then in a temporary
    file past :attr:`IN_MEMORY` bytes, until :meth:`release` writes it out: a ranking shows
    nothing until its run is kept. JSON lines are the run's own bytes, as kept for oversight."""

    IN_MEMORY = 32 * 2**20
    LINES = 1_000
    """JSON lines are written a thousand at a time (one by one, a million took half a second
    more)."""
    PROGRESS_EVERY = 100_000

    def __init__(self, form: Literal["json", "csv", "table"]) -> None:
        self.form = form
        self.held = tempfile.SpooledTemporaryFile(max_size=self.IN_MEMORY)  # noqa: SIM115
        self.text = io.TextIOWrapper(
            self.held, encoding=sys.stdout.encoding, errors=sys.stdout.errors
        )
        self.writer = SpreadsheetSafeWriter(self.text, CSV_COLUMNS)
        self.lines: list[bytes] = []
        self.count = 0
        if form == "csv":
            self.writer.writeheader()
        elif form == "table":
            self.text.write(TABLE_HEADER + "\n")

    def __enter__(self) -> HeldRanking:
        return self

    def __exit__(self, *exc: object) -> None:
        self.held.close()  # what was not released is dropped

    def add(self, entry: RankedCase) -> None:
        if self.form == "json":
            self.lines.append(entry.to_json())
            if len(self.lines) == self.LINES:
                self._write_lines()
        elif self.form == "csv":
            self.writer.writerow(csv_row(entry.explanation()))
        else:
            self.text.write(table_row(entry.explanation()) + "\n")
        self.count += 1
        if self.count % self.PROGRESS_EVERY == 0:
            click.echo(f"  {self.count:,} made", err=True)

    def _write_lines(self) -> None:
        if self.lines:
            self.held.write(b"\n".join(self.lines) + b"\n")
            self.lines.clear()

    def release(self, out: BinaryIO | None = None) -> None:
        """Write everything held to ``out`` (stdout)."""
        self.text.flush()
        self._write_lines()
        self.held.seek(0)
        if out is None:
            sys.stdout.flush()
            out = sys.stdout.buffer
        shutil.copyfileobj(self.held, out, 1 << 20)
        out.flush()


def explanation_lines(explanation: Explanation, pack: Pack) -> list[str]:
    """A case's explanation: each contribution with its facts and measures."""
    category = explanation.category
    lines = [
        f"Case {explanation.case_ref}: "
        + (f"category {category.id} ({category.label})" if category else "no priority category")
        + f", score {explanation.score}",
        f"  policy {pack.name} {pack.version} (sha256 {pack.content_hash[:16]})",
    ]
    for c in explanation.contributions:
        lines.append(f"  {c.points:+5d}  {c.rule.key}: {c.rule.label}")
        for f in c.facts:
            lines.append(
                f"           fact {f.fact_id}  {f.kind.value}  {f.on}  document {f.document_ref}"
                f"  event {f.event_id}"
            )
        for m in c.measures:
            lines.append(
                f"           measure {m.name} = {m.value} (from {m.fact_id or 'date of birth'})"
            )
    if not explanation.contributions:
        lines.append("  no rule of the policy applies to the case's facts")
    lines.append(
        "A recommendation only: a person decides (docket priority decide "
        f"{explanation.case_ref} --accept | --override --reason TEXT)."
    )
    return lines


def disparity_lines(report: dict[str, Any]) -> list[str]:
    """The disparity report as one table per dimension, with its suppressed groups counted."""
    named = report["policy"]
    lines = [
        f"policy {named['name']} {named['version']}, as of {report['as_of']}: "
        f"{report['cases']:,} open cases; groups of fewer than {report['minimum_group']} cases "
        "are suppressed"
    ]
    for dimension, found in report["dimensions"].items():
        shown, suppressed = len(found["groups"]), found["suppressed_groups"]
        lines += ["", f"{dimension} (groups: {shown} shown, {suppressed} suppressed)"]
        if not found["groups"]:
            continue
        categories = list(found["groups"][0]["categories"])
        lines.append(
            f"  {'group':<14} {'cases':>7} {'priority':>9} {'mean':>7} {'median':>7}  "
            + "  ".join(categories)
        )
        for row in found["groups"]:
            mean = "-" if row["mean_score"] is None else f"{row['mean_score']:.1f}"
            median = "-" if row["median_score"] is None else f"{row['median_score']:g}"
            shares = "  ".join(f"{row['categories'][c]:>{len(c)}.1%}" for c in categories)
            lines.append(
                f"  {row['group']:<14} {row['cases']:>7,} {row['priority_share']:>9.1%} "
                f"{mean:>7} {median:>7}  {shares}"
            )
    return lines


def pack_lines(pack: Pack) -> list[str]:
    """A pack's summary: identity, dates, hash and its rules with their signed weights."""
    rescinded = f", rescinded on {pack.rescinded_on}" if pack.rescinded_on else ""
    return [
        f"ok: {pack.name} {pack.version}: {pack.title}",
        f"  effective from {pack.effective_from}{rescinded}",
        f"  content hash {pack.content_hash}",
        *(f"  {rule.weight:+5d}  {rule.key}: {rule.label}" for rule in pack.rules()),
    ]


def packs_lines(shipped: Sequence[Pack]) -> list[str]:
    """Packs listed: name, version, effective and rescission dates, content hash."""
    lines = [f"{'name':<24} {'version':<12} {'effective':<10} {'rescinded':<10} content hash"]
    for pack in shipped:
        rescinded = str(pack.rescinded_on) if pack.rescinded_on else "-"
        lines.append(
            f"{pack.name:<24} {pack.version:<12} {pack.effective_from!s:<10} {rescinded:<10} "
            f"{pack.content_hash}"
        )
    return lines
