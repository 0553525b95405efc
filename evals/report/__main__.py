"""``python -m long_horizon_execution.evals.report LOGS... --out DIR``."""

import sys

from long_horizon_execution.evals.report.cli import main

sys.exit(main())
