import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="portal.local")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_with_debug_on():
    result = run_check(DJANGO_ENV="production", DJANGO_SECRET_KEY="x" * 50, DJANGO_DEBUG="1")
    assert result.returncode != 0 and "DJANGO_DEBUG" in result.stderr


def test_production_starts_with_a_key_and_debug_off():
    result = run_check(DJANGO_ENV="production", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="portal.local")
    assert result.returncode == 0, result.stderr


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"


@pytest.mark.django_db
def test_postgresql_connections_do_not_jit_compile_the_portals_short_queries():
    from django.db import connection

    if connection.vendor != "postgresql":
        assert "options" not in connection.settings_dict.get("OPTIONS", {})
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
