"""The suite's version, as installed: every task records it in its log's metadata, so a
number can always be traced to the code that produced it."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "long-horizon-execution"

try:
    SUITE_VERSION = version(DISTRIBUTION)
except PackageNotFoundError:  # run from a checkout that was never installed
    SUITE_VERSION = "0+unknown"
