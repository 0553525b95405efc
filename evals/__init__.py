"""The suite's own part: one task file per experiment (``horizon``, ``single_turn``,
``self_conditioning``, ``frontier``, the paper's ``grid``), datasets, prompts, the models we
provide (``local``, ``simulated``), cost estimates and the report.

Import the tasks from their modules (``from long_horizon_execution.evals.horizon import
horizon``) or run them by registry name (``long_horizon_execution/horizon``). Nothing is
imported here: the local model's server process imports this package on its way to
``evals.local_model`` and must stay light.
"""
