"""Privacy and disclosure control: suppression of small cells in published tables
(disclosure.py). Keyed pseudonyms and open-text scrubbing live in dbt (macros/respondent_key.sql,
macros/privacy.sql); see README.md here. Nothing is imported here: dbt loads this package's
plugin (dbt_plugin.py) in every command it runs, and pandas is no part of what that needs."""
