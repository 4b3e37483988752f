"""The date command-line options take: ``YYYY-MM-DD`` and nothing else, as the API and the CSV
files take it (``click.DateTime`` would take ``2026-1-5`` too, through ``strptime``)."""

from __future__ import annotations

import datetime as dt

import click

from docket.cases.fields import DAY_FORM


class Day(click.ParamType[dt.date]):
    """A calendar day written ``YYYY-MM-DD``; anything else is a usage error (exit status 2)."""

    name = "date"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value  # a default given as a date
        text = str(value)
        if not DAY_FORM.fullmatch(text):
            self.fail(f"{text!r} is not a date in the form YYYY-MM-DD", param, ctx)
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            self.fail(f"{text!r} is no date: {exc}", param, ctx)


DAY = Day()
