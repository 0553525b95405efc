"""shopping_list_eval: an example eval built on long-horizon-execution's public API.

The model keeps a shopping list over several turns of edits. Its parser, voting key,
error-injection rule and scorer are its own; the turn loop, history rewriting, voting and
the sliding window come from ``long_horizon_execution.solvers``, the answer and record
types from ``long_horizon_execution.core``. Importing this package registers the task
with Inspect (the package is its entry point).
"""

from shopping_list_eval.answers import read_shopping_list, same_items, tagged
from shopping_list_eval.dataset import apply_turn, render, shopping_dataset
from shopping_list_eval.errors import DropOneItem
from shopping_list_eval.scoring import fully_right, shopping_list_scorer, turn_accuracy
from shopping_list_eval.task import shopping_list

__all__ = [
    "DropOneItem",
    "apply_turn",
    "fully_right",
    "read_shopping_list",
    "render",
    "same_items",
    "shopping_dataset",
    "shopping_list",
    "shopping_list_scorer",
    "tagged",
    "turn_accuracy",
]
