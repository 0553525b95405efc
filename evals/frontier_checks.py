"""The checks a frontier search makes when it is built, before any model call: every
``-T`` a parameter the search may set, the log dir usable, a dataset file large enough, and
the model constructible. Each refuses in one line."""

from __future__ import annotations

from collections import Counter

from long_horizon_execution.evals.dataset import DatasetError
from long_horizon_execution.evals.dataset_files import load_dataset_file
from long_horizon_execution.evals.frontier import TASK_PARAMETERS, probe_params
from long_horizon_execution.evals.frontier_config import SET_BY_SEARCH, SearchConfig
from long_horizon_execution.evals.params import ParameterError
from long_horizon_execution.evals.run_checks import check_log_dir, check_model


def check_search(config: SearchConfig) -> None:
    """All of the checks below, in the order a user would fix them."""
    check_task_args(config)
    check_log_dir("frontier", config.log_dir)
    check_dataset(config)
    check_model("frontier", config.model, config.model_args)


def check_task_args(config: SearchConfig) -> None:
    """Every ``-T`` is a parameter of the task the search may set, with a valid value."""
    for name in config.task_args:
        if name in SET_BY_SEARCH:
            raise ParameterError(
                f"frontier: -T {name} is set by the search; use {SET_BY_SEARCH[name]} instead"
            )
        if name not in TASK_PARAMETERS:
            usable = ", ".join(n for n in TASK_PARAMETERS if n not in SET_BY_SEARCH)
            raise ParameterError(
                f"frontier: -T {name} is not a parameter of the frontier task ({usable})"
            )
    # the probes at max_k with the largest batch and with the last one, as they are built
    samples, batch, max_k = config.samples, config.batch, config.max_k
    last = (samples - 1) // batch * batch
    for first, count in dict.fromkeys([(0, min(batch, samples)), (last, samples - last)]):
        shape = {"k": max_k, "samples": count, "first_sample": first}
        probe_params(TASK_PARAMETERS | config.task_args | shape)


def check_dataset(config: SearchConfig) -> None:
    """A dataset file must hold ``samples`` instances, each of at least ``max_k`` keys,
    with distinct ids (Inspect refuses repeated sample ids)."""
    path = config.task_args.get("dataset_file")
    if path is None:
        return
    try:
        instances = load_dataset_file(path).instances
    except DatasetError as error:
        raise ParameterError(f"frontier: -T dataset_file: {error}") from None
    samples, max_k = config.samples, config.max_k
    if len(instances) < samples:
        raise ParameterError(
            f"frontier: --samples {samples} but dataset_file {path!r} holds "
            f"{len(instances)} instances"
        )
    chosen = instances[:samples]
    shortest = min(len(instance.keys) for instance in chosen)
    if shortest < max_k:
        raise ParameterError(
            f"frontier: --max-k {max_k} exceeds the shortest of the first {samples} "
            f"instances in dataset_file {path!r} ({shortest} keys)"
        )
    repeated = [i for i, n in Counter(inst.id for inst in chosen).items() if n > 1]
    if repeated:
        raise ParameterError(
            f"frontier: dataset_file {path!r} repeats instance id {repeated[0]} among "
            f"the first {samples} instances"
        )
