"""The HTTP routes (Flask blueprints), the plumbing they share, and the WSGI fast path."""
