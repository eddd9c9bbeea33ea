"""Perspectief inburgeraars survey warehouse: pipeline code and Dagster definitions.

Data flows raw (landing) -> dbt staging -> intermediate -> marts -> analysis.
"""
