"""Performance benchmark of KIM-Cockpit (issue 6): `make bench` runs benchmarks/run.py."""
