"""``python -m newsstance`` runs the CLI."""

import sys

from newsstance.cli import main

sys.exit(main())
