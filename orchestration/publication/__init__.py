"""The publication report: per meting and per meting pair an HTML page with the
report's figures (stacked bars per group, leerroute and cohort) and tables, in Dutch or English,
after disclosure control. See README.md here."""

from orchestration.publication.report import Page, write_reports

__all__ = ["Page", "write_reports"]
