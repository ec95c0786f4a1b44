"""The ``policygraph`` command (:mod:`server.cli.main`), one module per subcommand."""
