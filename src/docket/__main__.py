"""``python -m docket``: the ``docket`` command, where its script is not on the path."""

from docket.cli.main import cli

cli(prog_name="docket")
