"""Docket: a case-lifecycle system for immigration removal proceedings."""

__version__ = "0.1.0"
