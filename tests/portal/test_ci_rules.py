"""What CI insists on (tests/conftest.py): no test skipped, a PostgreSQL server that answers but cannot
run the suite fails at once, and two runs on one server use different test databases."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SERVER = "postgres://postgres@127.0.0.1:5432"


def run_pytest(tmp_path, test_source, **env):
    (tmp_path / "test_probe.py").write_text(test_source)
    (tmp_path / "conftest.py").write_text("from tests.conftest import pytest_configure, pytest_sessionfinish  # noqa\n")
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CI", "PYTEST_XDIST_WORKER")}
    environment.update(DJANGO_SETTINGS_MODULE="portal.settings", PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


SKIPS = "import pytest\n\ndef test_it():\n    pytest.skip('no tool here')\n"


def test_under_ci_a_skipped_test_fails_the_run(tmp_path):
    assert run_pytest(tmp_path, SKIPS).returncode == 0
    result = run_pytest(tmp_path, SKIPS, CI="true")
    assert result.returncode == 1 and "1 test(s) skipped; CI runs every test" in result.stdout


def postgres_answers():
    try:
        psycopg.connect(f"{SERVER}/postgres", connect_timeout=3).close()
        return True
    except psycopg.Error:
        return False


@pytest.fixture
def postgres():
    if not postgres_answers():
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432 (CI has one)")


def test_under_ci_a_server_that_refuses_the_user_fails_at_once(tmp_path, postgres):
    passes = "def test_it():\n    pass\n"
    result = run_pytest(tmp_path, passes, CI="true", DATABASE_URL="postgres://no_such_role_for_ci@127.0.0.1:5432/x")
    assert result.returncode != 0 and "CI: PostgreSQL at 127.0.0.1 cannot be used" in result.stdout + result.stderr


def test_under_ci_a_user_who_may_not_create_the_test_database_fails_at_once(tmp_path, postgres):
    role = f"portal_ci_probe_{os.getpid()}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN NOCREATEDB")
    try:
        passes = "def test_it():\n    pass\n"
        result = run_pytest(tmp_path, passes, CI="true", DATABASE_URL=f"postgres://{role}@127.0.0.1:5432/postgres")
        assert result.returncode != 0 and f"{role} may not create the test database" in result.stdout + result.stderr
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP ROLE {role}")


def test_each_run_has_its_own_test_database(db):
    name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        run = os.environ.get("PORTAL_TEST_RUN") or str(os.getpid())
        assert name.startswith("test_") and run in name
    else:
        assert "memory" in name  # SQLite's test database lives in this process's memory
