"""Prioritisation by a published policy: packs, scoring, explanations, decisions."""
