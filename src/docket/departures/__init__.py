"""Departure confirmation: reports from several sources, resolved to persons, collapsed into
departures counted once, and the exit metrics kept current as reports arrive."""
