"""What-if prototypes of server fixes the benchmark diagnosed (see bench/README.md); not used by
the harness, never imported by the server."""
