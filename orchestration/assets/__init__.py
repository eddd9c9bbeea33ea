"""Dagster assets, one module per layer: landing -> dbt -> analysis."""
