"""Benchmarks and the synthetic archive generator they share (see README.md)."""
