"""The terminal messages live in `tracklab.errors.term` (wandb's `wandb.errors.term`).

This name is the same module object, so code that patches `tracklab.errors.term.termwarn`
(as wandb's tests patch `wandb.errors.term.termwarn`) sees every message, whichever name the
caller imported.
"""

import sys

from tracklab.errors import term

sys.modules[__name__] = term
