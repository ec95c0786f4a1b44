"""The SPARQL 1.1 endpoint's machinery: protocol, safety checks, rewrites, engines, results."""
