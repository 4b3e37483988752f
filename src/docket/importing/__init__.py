"""Bulk intake of legacy case records (CSV) through the case core's rules."""
