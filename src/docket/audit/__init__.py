"""Tamper evidence: the hash chain over the logs, its verification and signed checkpoints."""
