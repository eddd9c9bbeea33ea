"""Synthetic raw exports: realistic stand-ins for the confidential survey microdata."""
