"""The `newswatch` command line: local stack, benchmarks and tools built on the service packages."""
