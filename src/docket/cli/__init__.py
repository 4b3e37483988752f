"""The ``docket`` command line."""
