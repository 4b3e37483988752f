"""The stop control: an admin switches prioritisation off or on, with a reason, and the change
is an event on the hash-chained log. While it is off, no score is computed, shown or used."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from docket.cases.events import Event, EventKind, StreamType
from docket.cases.fields import NOTHING_SHOWN, blank, shown_length
from docket.cases.ports import Clock
from docket.errors import Conflict, InvalidInput
from docket.priority.ports import SWITCH_STREAM, PriorityRead, PriorityStore, PriorityWrite

SWITCH_LEGAL_BASIS = "Agency oversight of prioritisation (the stop control)"
MAX_REASON = 2_000


class SwitchedOff(Conflict):
    """Prioritisation is switched off."""


def written_reason(reason: str | None, *, required: bool, what: str) -> str:
    """A reason as recorded: stripped, at least 10 characters that show when ``required``
    (:func:`~docket.cases.fields.shown_length`); one that shows nothing is none."""
    text = (reason or "").strip()
    if required and shown_length(text) < 10:
        raise InvalidInput(
            f"{what} needs a written reason (at least 10 characters; {NOTHING_SHOWN})",
            details={"field": "reason"},
        )
    if blank(text):
        text = ""
    if len(text) > MAX_REASON:
        raise InvalidInput(
            f"the reason is longer than {MAX_REASON} characters", details={"field": "reason"}
        )
    return text


def named_actor(actor: str, *, what: str) -> str:
    """The person recorded as the actor: refused when blank, since a decision is a person's."""
    if blank(actor):
        raise InvalidInput(f"{what} needs an actor", details={"field": "actor"})
    return actor


@dataclass(frozen=True)
class SwitchState:
    on: bool
    changed_at: dt.datetime | None
    changed_by: str | None
    reason: str


def _state(events: list[Event]) -> SwitchState:
    if not events:
        return SwitchState(True, None, None, "")
    last = events[-1]
    return SwitchState(
        bool(last.data["on"]), last.recorded_at, last.actor, str(last.data["reason"])
    )


def switch_state(*, store: PriorityStore) -> SwitchState:
    """Whether prioritisation is on (it is until an admin switches it off), and the last
    change."""
    with store.read() as tx:
        return _state(tx.switch_events())


def require_on(tx: PriorityRead) -> None:
    """Refuse while prioritisation is switched off."""
    state = _state(tx.switch_events())
    if not state.on:
        raise SwitchedOff(
            f"prioritisation is switched off (by {state.changed_by} at "
            f"{state.changed_at:%Y-%m-%d %H:%M} UTC: {state.reason}); no score is computed, "
            "shown or used until an admin switches it on",
            details={"rule": "prioritisation_off"},
        )


def set_switch(
    *,
    store: PriorityStore,
    clock: Clock,
    actor: str,
    on: bool,
    reason: str,
    also: Callable[[PriorityWrite], None] | None = None,
) -> int:
    """Switch prioritisation on or off, with the reason; the change is an event on the
    hash-chained log. Its place in the log. ``also`` runs in the same transaction (a surface
    records its access there)."""
    what = "switching prioritisation on or off"
    named_actor(actor, what=what)
    text = written_reason(reason, required=True, what=what)
    now = clock.now()
    with store.write() as tx:
        events = tx.switch_events()
        if _state(events).on == on:
            raise Conflict(
                f"prioritisation is already {'on' if on else 'off'}",
                details={"rule": "switch_unchanged"},
            )
        event = Event(
            kind=EventKind.PRIORITISATION_SWITCHED,
            stream_type=StreamType.PRIORITISATION,
            stream_id=SWITCH_STREAM,
            stream_version=len(events) + 1,
            occurred_on=now.date(),
            recorded_at=now,
            actor=actor,
            legal_basis=SWITCH_LEGAL_BASIS,
            document_ref=f"prioritisation-switch:{len(events) + 1}",
            data={"on": on, "reason": text},
        )
        (seq,) = tx.append([event])
        if also is not None:
            also(tx)
    return seq
