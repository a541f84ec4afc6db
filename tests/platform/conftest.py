"""The reliability scenarios' recorder (tests/reliability/conftest.py), for the backup and
server-configuration scenarios of issue 6: `make reliability` runs them too and puts their rows
in RELIABILITY.md. (A conftest's report hook applies to its own directory only.)"""

from tests.reliability.conftest import Scenario, pytest_runtest_makereport, scenario

__all__ = ["Scenario", "pytest_runtest_makereport", "scenario"]
