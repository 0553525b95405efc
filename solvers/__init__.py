"""Solvers other evals reuse: the turn loop, history rewrites (error injection), voting and
the sliding window, thinking elicitation, and per-turn prefixes. Records they write are in
:mod:`long_horizon_execution.core`."""

from long_horizon_execution.solvers.history import HistoryPolicy, history_policy
from long_horizon_execution.solvers.reminder import with_turn_prefix
from long_horizon_execution.solvers.replies import one_request, single_reply
from long_horizon_execution.solvers.rewrite import (
    InducedErrors,
    RewriteRule,
    ShownRenderer,
    rewritten_history,
)
from long_horizon_execution.solvers.thinking import Elicitation, elicit, from_prompt_mode
from long_horizon_execution.solvers.turn_loop import (
    HistoryRewrite,
    TurnStop,
    multi_turn,
    user_turn,
)
from long_horizon_execution.solvers.voting import (
    NoVoteAnswered,
    VoteKey,
    majority,
    multi_turn_voting,
    trim_history,
    voting,
    windowed,
)

__all__ = [
    "Elicitation",
    "HistoryPolicy",
    "HistoryRewrite",
    "TurnStop",
    "InducedErrors",
    "NoVoteAnswered",
    "RewriteRule",
    "ShownRenderer",
    "VoteKey",
    "elicit",
    "from_prompt_mode",
    "history_policy",
    "majority",
    "multi_turn",
    "multi_turn_voting",
    "one_request",
    "rewritten_history",
    "single_reply",
    "trim_history",
    "user_turn",
    "voting",
    "windowed",
    "with_turn_prefix",
]
