"""Analysis layer: Python analyses on the marts, results written to the `analysis` schema."""
