"""The periods the law counts from a case's dates: the appeal window of a decision, the
voluntary-departure period and the post-order custody review. The lifecycle (``effects``,
``rules``) and the import of legacy records (``legacy``) both count them here, so the two can
never disagree. Also which days have begun somewhere, or everywhere, on Earth (for "in the
future" and "the day is over")."""

from __future__ import annotations

import datetime as dt

APPEAL_WINDOW_DAYS = 30
"""8 CFR 1003.38(b): an appeal to the BIA must be filed within 30 days of the decision."""


def appeal_due_on(
    decided_on: dt.date, *, in_absentia: bool = False, agency_grant: bool = False
) -> dt.date | None:
    """The last day to appeal a decision made on ``decided_on``, or ``None`` when there is no
    appeal: an in-absentia order (the remedy is a motion to reopen, INA § 240(b)(5)(C)) and
    voluntary departure granted by the agency (8 CFR 240.25) are not appealable to the Board."""
    if in_absentia or agency_grant:
        return None
    return decided_on + dt.timedelta(days=APPEAL_WINDOW_DAYS)


VD_LIMIT_DAYS = {"judge_at_conclusion": 60, "judge_prior_to_conclusion": 120, "agency": 120}
"""INA § 240B(a)(2)(A) and (b)(2): at most 120 days before, 60 days at the end of proceedings."""

VD_LONGEST_DAYS = max(VD_LIMIT_DAYS.values())
"""The longest voluntary-departure period any grant allows (a legacy record does not say who
granted it)."""


CUSTODY_REVIEW_DAYS = 90
"""8 CFR 241.4(k): custody is reviewed before the 90-day removal period ends."""


def custody_review_due_on(detained_on: dt.date, final_on: dt.date) -> dt.date:
    """The post-order custody review date of a person detained since ``detained_on`` under an
    order final on ``final_on``: 90 days after the later of the two, whichever was recorded
    first (the import and the lifecycle both ask here)."""
    return max(detained_on, final_on) + dt.timedelta(days=CUSTODY_REVIEW_DAYS)


_LAST_TIME_ZONE = dt.timedelta(hours=12)
"""The last place on Earth to reach a day is twelve hours behind UTC ("Anywhere on Earth")."""


_FIRST_TIME_ZONE = dt.timedelta(hours=14)
"""The first place on Earth to reach a day is fourteen hours ahead of UTC (Kiribati)."""


def day_begun_somewhere(at: dt.datetime) -> dt.date:
    """The latest day that has begun somewhere on Earth at ``at``: a date after it is in the
    future everywhere. (UTC's own date would call the morning's events in Guam, a day ahead
    of UTC until 10:00 there, events of tomorrow.)"""
    return (at.astimezone(dt.UTC) + _FIRST_TIME_ZONE).date()


def day_begun_everywhere(at: dt.datetime) -> dt.date:
    """The latest day that has begun everywhere on Earth at ``at``: every day before it is
    over everywhere."""
    return (at.astimezone(dt.UTC) - _LAST_TIME_ZONE).date()
