"""The case core: persons, cases, events, the lifecycle table and legal bars. No I/O here."""
