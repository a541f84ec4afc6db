"""Benchmarks of SPEC §6 (`make bench`): each prints its figure and its same-run baseline."""
