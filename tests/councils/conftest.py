"""Fixtures of the council tests (defined in council_fixtures.py, with the helpers the tests import)."""

from tests.councils.council_fixtures import council  # noqa: F401
