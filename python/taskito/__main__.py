"""``python -m taskito``: the same as the ``taskito`` command."""

import sys

from taskito.cli import main

sys.exit(main())
