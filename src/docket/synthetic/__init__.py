"""Synthetic data for demos, tests and benchmarks: a docket of made-up people and their cases.

``generate_dataset`` writes ``cases.csv`` (one row per case, as a legacy system would export it)
and ``truth.csv`` (the true person behind each row, to measure record linkage against);
``iter_case_rows`` yields the same rows without writing them. Every person is invented: names are
drawn at random from pools of common names, never taken from real records.
"""

from docket.synthetic.generate import (
    CASE_COLUMNS,
    TRUTH_COLUMNS,
    DatasetSummary,
    generate_dataset,
    iter_case_rows,
)

__all__ = ["CASE_COLUMNS", "TRUTH_COLUMNS", "DatasetSummary", "generate_dataset", "iter_case_rows"]
