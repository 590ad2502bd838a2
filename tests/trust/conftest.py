"""Fixtures borrowed from the inspection API tests: today's cross-district round (`drawn`)."""
from tests.api.test_inspections_api import drawn  # noqa: F401  (a fixture, used by name)
