"""What the suite's run drivers (``horizon-frontier``, ``horizon-adaptive``) share on the
command line: refusals in one line with exit 2, ``-T``/``-M``/``-E`` pairs read as
``inspect eval`` reads them, and a refused option named as it was typed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import yaml
from pydantic import ValidationError

from long_horizon_execution.evals.params import shown


def refuse(message: str) -> NoReturn:
    """Print a refusal (one line) to stderr and exit 2, as argparse does."""
    print(message, file=sys.stderr)
    raise SystemExit(2)


def say(line: str) -> None:
    """A progress or stop line on stderr, flushed at once."""
    print(line, file=sys.stderr, flush=True)


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block) prefixed with the driver's name,
    exit 2."""

    def __init__(self, *args: Any, driver: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.driver = driver

    def error(self, message: str) -> NoReturn:
        refuse(f"{self.driver}: {message}")


def driver_parser(driver: str, description: str, task_help: str) -> OneLineParser:
    """The parser of ``horizon-<driver>`` with the options every driver takes: the model,
    the log dir, and ``-M``/``-T`` pairs."""
    parser = OneLineParser(driver=driver, prog=f"horizon-{driver}", description=description)
    parser.add_argument("--model", required=True)
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("-M", action="append", dest="model_args", help="model arg name=value")
    parser.add_argument("-T", action="append", dest="task_args", help=task_help)
    return parser


def name_value_pairs(values: Sequence[str] | None, flag: str, driver: str) -> dict[str, Any]:
    """``name=value`` pairs, values read as YAML (as ``inspect eval`` reads them); a
    malformed or repeated pair is refused."""
    parsed: dict[str, Any] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            refuse(f"{driver}: {flag} expects name=value, got {item!r}")
        if name in parsed:
            refuse(f"{driver}: {flag} {name} is given twice")
        try:
            parsed[name] = yaml.safe_load(value)
        except yaml.YAMLError:
            refuse(f"{driver}: {flag} {name}: cannot read {value!r} as a value")
    return parsed


def config_error(error: ValidationError, driver: str, flags: Mapping[str, str]) -> str:
    """A refused configuration in one line, its field named by its command-line flag
    (``flags``: field -> flag; any other field ``--field-name``)."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    option = flags.get(field, "--" + field.replace("_", "-"))
    message = str(first["msg"]).removeprefix("Value error, ")
    if not field:
        return f"{driver}: {message}"
    return f"{driver}: {option}: {message} (got {shown(first['input'])})"
