"""long_horizon_execution: the long-horizon execution suite (arXiv 2509.09677) on Inspect AI.

One import namespace for the repository's three top-level folders, linked here: ``evals``
(the tasks, datasets, prompts, the models we provide and the report), ``solvers`` (the turn
loop, history rewrites, voting, thinking elicitation) and ``scorers`` (per-turn
correctness, horizons, self-conditioning). ``core`` is the layer both solvers and scorers
build on: answer types, the parsing rules and the records a sample keeps. Imports point
down only: evals -> solvers, scorers -> core.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("long-horizon-execution")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
