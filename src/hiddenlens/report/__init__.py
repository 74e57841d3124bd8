"""The self-contained HTML report: `write_report(net, path)` and `build_report(net)`."""

from hiddenlens.report._builder import build_report, write_report

__all__ = ["build_report", "write_report"]
