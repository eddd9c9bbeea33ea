"""Privacy and disclosure control: suppression of small cells in published tables.
Keyed pseudonyms and open-text scrubbing live in dbt (macros/respondent_key.sql,
macros/privacy.sql); see README.md here."""

from orchestration.privacy.disclosure import DEFAULT_MIN_COUNT, min_cell_count, recoverable_cells, suppress

__all__ = ["DEFAULT_MIN_COUNT", "min_cell_count", "recoverable_cells", "suppress"]
