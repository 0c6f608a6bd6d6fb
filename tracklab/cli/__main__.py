"""`python -m tracklab.cli` runs the `tracklab` command."""

import sys

from tracklab.cli.main import main

sys.exit(main())
