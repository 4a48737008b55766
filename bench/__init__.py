"""TrustPulse benchmarks: `make bench` runs every `bench_*.py` script and prints its figures."""
