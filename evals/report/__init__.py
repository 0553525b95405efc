"""The report: Inspect logs of the suite's tasks -> the paper's tables and figures."""
