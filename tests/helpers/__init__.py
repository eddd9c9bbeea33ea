"""Test helpers shared by the test folders (tests/ is on the path through its conftest.py)."""
