"""Docket's answers on the FEBRL data sets read back and judged against the truth: precision,
recall, the departures counted, and what each missed link or split person looked like."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jellyfish

from linkage_docket import DocketRun
from linkage_febrl import Record, case_ref_of, entity_of
from linkage_splink import AtRecall, Tally, at_recall, reach_at_precision

TARGET_PRECISION, TARGET_RECALL, TARGET_COUNT = 0.9995, 0.99, 0.005
AUTO_LINK, SAME_NAME = 0.999, 0.88
"""Docket's auto-link probability, and the Jaro–Winkler similarity under which it takes two
given names for two people (README, "Decisions, precision first")."""


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _candidate_is(candidate: Mapping[str, Any], person: Record | None) -> bool:
    """Whether a review candidate is ``person``, by the values the queue shows of them."""
    if person is None:
        return False
    shown = {row["field"]: row.get("person") or "" for row in candidate.get("fields", [])}
    return (
        shown.get("given_name", "") == _normal(person.given_name)
        and shown.get("family_name", "") == _normal(person.family_name)
        and shown.get("date_of_birth", "") == person.date_of_birth
    )


def _fields(documents: bool) -> tuple[str, ...]:
    base = ("given_name", "family_name", "date_of_birth", "postcode")
    return (*base, "document_number") if documents else base


def _differences(left: Record, right: Record, documents: bool) -> list[str]:
    """What keeps two records from agreeing, field by field: ``date_of_birth missing``,
    ``given_name differs``."""
    out = []
    for name in _fields(documents):
        one, two = getattr(left, name), getattr(right, name)
        if not one or not two:
            out.append(f"{name} missing")
        elif one != two:
            out.append(f"{name} differs")
    return out


def _pattern(one: Record, two: Record) -> str:
    """The kind of disagreement between two records of one person, first match wins."""
    if one.given_name and (one.given_name, one.family_name) == (two.family_name, two.given_name):
        return "names swapped"
    if not one.date_of_birth or not two.date_of_birth:
        return "birth date missing"
    if one.date_of_birth != two.date_of_birth:
        return "birth date differs"
    if (
        one.family_name == two.family_name
        and one.given_name
        and two.given_name
        and jellyfish.jaro_winkler_similarity(one.given_name, two.given_name) < SAME_NAME
    ):
        return "same family name and birth date, another given name (the sibling/twin pattern)"
    if not one.given_name or not two.given_name or not one.family_name or not two.family_name:
        return "a name missing"
    if (one.given_name, one.family_name) == (two.given_name, two.family_name):
        return "names and birth date agree (postcode or document differs)"
    return "a name spelt differently, same birth date"


def _patterns(pairs: Iterable[tuple[Record, Record]]) -> str:
    counted = Counter(_pattern(one, two) for one, two in pairs)
    return "; ".join(f"{kind} {n}" for kind, n in counted.most_common())


def _shown(record: Record) -> str:
    return (
        f"[{record.rec_id}: {record.given_name or '-'} {record.family_name or '-'}, "
        f"b. {record.date_of_birth or '?'}, doc {record.document_number or '-'}, "
        f"pc {record.postcode or '-'}]"
    )


@dataclass
class Febrl4Result(Tally):
    variant: str
    truth: int
    links: int
    correct: int
    review: int
    unlinked: int
    splink: AtRecall | None
    splink_reach: float
    """The highest recall any of Splink's thresholds gives (over its blocked pairs)."""
    notes: list[str]

    @property
    def recall(self) -> float:
        return self.correct / self.truth

    def misses(self) -> list[str]:
        out = []
        if self.precision < TARGET_PRECISION:
            out.append("precision")
        if self.recall < TARGET_RECALL:
            out.append("recall")
        if self.splink is None or self.false > self.splink.false:
            out.append("false links vs Splink")
        return out


def febrl4_result(
    variant: str,
    run: DocketRun,
    persons: Sequence[Record],
    reports: Sequence[Record],
    pairs: Sequence[tuple[float, float, bool]],
    documents: bool,
    shown: int,
) -> Febrl4Result:
    by_ref = {case_ref_of(p): p for p in persons}
    by_id = {r.rec_id: r for r in reports}
    true_person = {p.entity: p for p in persons}
    status = Counter(row["status"] for row in run.links)
    linked = [row for row in run.links if row["status"] == "linked"]
    wrong = [
        row
        for row in linked
        if row["case_ref"] not in by_ref
        or by_ref[row["case_ref"]].entity != entity_of(row["source_record_id"])
    ]
    correct = len(linked) - len(wrong)
    recall = correct / len(reports)
    splink = at_recall(pairs, recall, len(reports))
    reach = sum(p[2] for p in pairs) / len(reports)
    notes = [
        *run.said,
        f"reports by status: {dict(sorted(status.items()))}; refused by the imports: "
        f"{run.refused_cases} person(s), {run.rejected_reports} report(s) (no name at all)",
        "Docket's seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in run.seconds.items()),
    ]
    target = at_recall(pairs, TARGET_RECALL, len(reports))
    notes.append(
        f"Splink at the target recall {TARGET_RECALL}: p >= {target.probability:.6f}, precision "
        f"{target.precision:.4f}, recall {target.recall:.4f}, {target.false} false links"
        if target
        else f"Splink never reaches recall {TARGET_RECALL} (at most {reach:.4f})"
    )
    top = reach_at_precision(pairs, TARGET_PRECISION, len(reports))
    if top is not None:
        notes.append(
            f"Splink's highest recall at precision >= {TARGET_PRECISION}: {top.recall:.4f} "
            f"(p >= {top.probability:.6f}, {top.false} false links)"
        )
    for row in wrong[:shown]:
        report = by_id[row["source_record_id"]]
        person = by_ref.get(row["case_ref"])
        notes.append(
            f"false link p={float(row['match_probability'] or 'nan'):.6f}: report "
            f"{_shown(report)} -> {_shown(person) if person else row['case_ref']}, differing "
            f"in {', '.join(_differences(report, person, documents)) if person else '?'}; "
            f"the true person {_shown(true_person[report.entity])}"
        )
    # The true links not made, and what differs between those reports and their persons.
    made = {row["source_record_id"] for row in linked} - {r["source_record_id"] for r in wrong}
    missed = [r for r in reports if r.rec_id not in made]
    taken = {row["source_record_id"]: row for row in run.links}
    kinds: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    by_status: defaultdict[str, list[tuple[Record, Record]]] = defaultdict(list)
    for report in missed:
        person = true_person.get(report.entity)
        row = taken.get(report.rec_id)
        kinds[
            "report refused at import"
            if row is None
            else ("linked to someone else" if row["status"] == "linked" else row["status"])
        ] += 1
        if person is None:
            kinds["true person refused at import"] += 1
            continue
        fields.update(_differences(report, person, documents))
        by_status[row["status"] if row else "refused"].append((report, person))
    notes.append(
        f"true links not made: {len(missed)} ({', '.join(f'{k} {n}' for k, n in kinds.items())});"
        f" fields differing from the true person in them: "
        + ", ".join(f"{k} {n}" for k, n in fields.most_common())
    )
    for name, found in sorted(by_status.items()):
        notes.append(f"{name}, by kind: {_patterns(found)}")
    in_review = [item for item in run.review if item["source_record_id"] in by_id]
    if in_review:
        best_true = sum(
            bool(item["candidates"])
            and _candidate_is(
                item["candidates"][0], true_person.get(entity_of(item["source_record_id"]))
            )
            for item in in_review
        )
        any_true = sum(
            any(
                _candidate_is(c, true_person.get(entity_of(item["source_record_id"])))
                for c in item["candidates"]
            )
            for item in in_review
        )
        several = sum(len(item["candidates"]) > 1 for item in in_review)
        high = sum(
            bool(item["candidates"]) and item["candidates"][0]["probability"] >= AUTO_LINK
            for item in in_review
        )
        notes.append(
            f"review ({len(in_review)} listed): the true person is the best candidate in "
            f"{best_true}, among the candidates in {any_true}; {several} have several "
            f"candidates; {high} have a best candidate at p >= {AUTO_LINK} (held back by a "
            f"close second candidate or as possible siblings or twins), "
            f"{len(in_review) - high} are below it"
        )
        why: Counter[str] = Counter()
        for item in in_review:
            report = by_id[item["source_record_id"]]
            person = true_person.get(report.entity)
            if person is not None:
                why[", ".join(_differences(report, person, documents)) or "nothing differs"] += 1
        notes.append(
            "review, what differs from the true person: "
            + "; ".join(f"{k}: {n}" for k, n in why.most_common(8))
        )
        for item in in_review[:shown]:
            report = by_id[item["source_record_id"]]
            person = true_person.get(report.entity)
            candidates = ", ".join(
                f"p={c['probability']:.4f}{' (true)' if _candidate_is(c, person) else ''}"
                for c in item["candidates"]
            )
            notes.append(
                f"in review: {_shown(report)} vs true {_shown(person) if person else '-'}: "
                f"candidates {candidates}"
            )
    for row in [r for r in run.links if r["status"] == "unlinked"][:shown]:
        report = by_id[row["source_record_id"]]
        person = true_person.get(report.entity)
        notes.append(
            f"unlinked (p={row['match_probability'] or 'none'}): {_shown(report)} vs true "
            f"{_shown(person) if person else '- (not imported)'}: "
            + (", ".join(_differences(report, person, documents)) if person else "")
        )
    return Febrl4Result(
        variant=variant,
        truth=len(reports),
        links=len(linked),
        correct=correct,
        review=status.get("review", 0),
        unlinked=status.get("unlinked", 0),
        splink=splink,
        splink_reach=reach,
        notes=[n for n in notes if n],
    )


@dataclass
class Febrl1Result:
    variant: str
    truth: int
    unique: int
    links: int
    review: int
    splink_clusters: dict[float, int]
    notes: list[str]

    @property
    def off(self) -> float:
        return (self.unique - self.truth) / self.truth

    @property
    def met(self) -> bool:
        return abs(self.off) <= TARGET_COUNT


def febrl1_result(
    variant: str,
    run: DocketRun,
    persons: Sequence[Record],
    reports: Sequence[Record],
    clusters: dict[float, int],
    documents: bool,
    shown: int,
) -> Febrl1Result:
    by_id = {r.rec_id: r for r in reports}
    by_ref = {case_ref_of(p): p for p in persons}
    truth = len({r.entity for r in reports})
    mine = [row for row in run.links if row["source"] == "exit_record"]
    status = Counter(row["status"] for row in mine)
    background = Counter(row["status"] for row in run.links if row["source"] != "exit_record")
    departures_of: defaultdict[str, set[str]] = defaultdict(set)
    entities_of: defaultdict[str, set[str]] = defaultdict(set)
    for row in mine:
        entity = entity_of(row["source_record_id"])
        departures_of[entity].add(row["departure_id"])
        entities_of[row["departure_id"]].add(entity)
    split = {e: d for e, d in departures_of.items() if len(d) > 1}
    merged = {d: e for d, e in entities_of.items() if len(e) > 1}
    unique = int(run.metrics["unique_departures"]["total"])
    notes = [
        *run.said,
        f"FEBRL1 reports (exit_record) by status: {dict(sorted(status.items()))} (a link can "
        f"only be to a FEBRL4 person, so it is false); FEBRL4 B reports taken alongside "
        f"(carrier_manifest, a month later): {dict(sorted(background.items()))}; refused by "
        f"the imports: {run.refused_cases} person(s), {run.rejected_reports} report(s)",
        f"departures in the links: {len(entities_of)} (metrics: {unique}); true people split "
        f"over several departures: {len(split)} (+{sum(len(d) - 1 for d in split.values())}); "
        f"departures joining several people: {len(merged)} "
        f"(-{sum(len(e) - 1 for e in merged.values())})",
        "Docket's seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in run.seconds.items()),
    ]
    by_entity: defaultdict[str, list[Record]] = defaultdict(list)
    for report in reports:
        by_entity[report.entity].append(report)
    # Where a person is split: the first record of each departure against the first one's.
    departure_of = {row["source_record_id"]: row["departure_id"] for row in mine}
    apart: list[tuple[Record, Record]] = []
    for entity in split:
        firsts = {}
        for record in by_entity[entity]:
            firsts.setdefault(departure_of.get(record.rec_id, ""), record)
        lead, *others = firsts.values()
        apart.extend((lead, other) for other in others)
    if apart:
        why = Counter(d for one, two in apart for d in _differences(one, two, documents))
        notes.append(
            "split people, what differs between records in different departures: "
            + ", ".join(f"{k} {n}" for k, n in why.most_common())
        )
        notes.append(f"split people, by kind: {_patterns(apart)}")
    for row in [row for row in mine if row["status"] == "linked"][:shown]:
        person = by_ref.get(row["case_ref"])
        notes.append(
            f"false link p={float(row['match_probability'] or 'nan'):.6f}: "
            f"{_shown(by_id[row['source_record_id']])} -> "
            f"{_shown(person) if person else row['case_ref']}"
        )
    for entity in list(split)[:shown]:
        notes.append("split: " + " / ".join(_shown(r) for r in by_entity[entity]))
    for departure, entities in list(merged.items())[:shown]:
        members = [
            by_id[row["source_record_id"]] for row in mine if row["departure_id"] == departure
        ]
        notes.append(f"joined ({len(entities)} people): " + " / ".join(_shown(r) for r in members))
    return Febrl1Result(
        variant=variant,
        truth=truth,
        unique=unique,
        links=status.get("linked", 0),
        review=status.get("review", 0),
        splink_clusters=clusters,
        notes=[n for n in notes if n],
    )
