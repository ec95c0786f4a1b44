"""``python -m server.cli``: the same as ``policygraph``."""

import sys

from server.cli.main import main

sys.exit(main())
