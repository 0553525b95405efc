"""long_horizon_execution: the long-horizon execution suite (arXiv 2509.09677) on Inspect AI.

One import namespace for the repository's three top-level folders, linked here: ``evals``
(the tasks, datasets, prompts, the models we provide and the report), ``solvers`` (the turn
loop, history rewrites, voting, thinking elicitation) and ``scorers`` (per-turn
correctness, horizons, self-conditioning). ``core`` is the layer both solvers and scorers
build on: answer types, the parsing rules and the records a sample keeps. Imports point
down only: evals -> solvers, scorers -> core.
"""

from long_horizon_execution.core.version import SUITE_VERSION

__version__ = SUITE_VERSION
