"""Read-only copies of the warehouse for analysts (snapshot) and the dbt docs site (docs)."""
