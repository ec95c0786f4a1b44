"""Benchmark harness: synthetic corpora, load drivers and the systems under test (bench/run)."""
