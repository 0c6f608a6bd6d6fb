"""`python -m tracklab` runs the `tracklab` command; under the wandb stand-in, `python -m wandb` lands here too."""

import sys

from tracklab.cli.main import main

sys.exit(main())
