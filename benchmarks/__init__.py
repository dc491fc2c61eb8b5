"""Benchmarks (not tests: pytest collects only tests/). See benchmarks/README.md."""
