"""``python -m evals.report LOGS... --out DIR``."""

import sys

from evals.report.cli import main

sys.exit(main())
