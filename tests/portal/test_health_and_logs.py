"""/health/ for the load balancer; one log line per request, once, without personal data."""

import datetime
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings
from django.urls import path
from django.utils import timezone

from portal.logs import PortalFormatter, mask_personal_data
from portal.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]


def database_down(request):
    raise OperationalError("connection to server at 127.0.0.1 port 5432 failed: Connection refused")


urlpatterns = [path("down/", database_down)]
handler500 = "portal.views.server_error"


@pytest.fixture
def worker_beat(db):
    """A worker (on any machine) beat just now."""
    return WorkerHeartbeat.objects.create(worker_id="w1", host="app1", pid=1, last_seen=timezone.now())


def test_it_answers_200_when_the_server_can_work(client, worker_beat):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "worker": "ok"}}
    assert "no-store" in response["Cache-Control"]


def test_an_unapplied_migration_answers_503(client, worker_beat):
    latest = MigrationRecorder.Migration.objects.filter(app="members").order_by("-name").first()
    latest.delete()  # as if this code's newest migration had not been applied
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "failed", "worker": "ok"}


def test_a_silent_worker_answers_503(client, worker_beat):
    worker_beat.last_seen = timezone.now() - datetime.timedelta(minutes=10)  # it died ten minutes ago
    worker_beat.save()
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["checks"]["worker"] == "failed"
    WorkerHeartbeat.objects.all().delete()  # and no worker at all
    assert client.get("/health/").json()["checks"]["worker"] == "failed"


def test_an_unreachable_database_answers_503_and_says_nothing_more():
    script = (
        "from django.test import Client; r = Client().get('/health/'); print(r.status_code); print(r.content.decode())"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = "postgres://portal:secret-password@127.0.0.1:9/portal"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    status, body = result.stdout.strip().splitlines()[-2:]
    assert status == "503", result.stderr
    assert json.loads(body) == {
        "status": "unavailable",
        "checks": {"database": "failed", "migrations": "failed", "worker": "failed"},
    }


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_lost_database_gets_a_clear_503_page(db):
    response = Client(raise_request_exception=False).get("/down/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = response.content.decode()
    assert "系统暂时无法使用" in page and "5432" not in page and "Traceback" not in page


def test_each_request_is_logged_once_without_its_query_string(client, users, members, caplog):
    client.force_login(users["street"])
    number = members["a"].id_number
    with caplog.at_level(logging.INFO, logger="portal.request"):
        client.post("/members/", {"q": number}, follow=True, headers={"X-Request-ID": "req-0123456789"})
    lines = [r for r in caplog.records if r.name == "portal.request"]
    assert [(r.fields["method"], r.fields["path"], r.fields["status"]) for r in lines] == [
        ("POST", "/members/", 302),
        ("GET", "/members/", 200),
    ]
    first = lines[0]
    assert first.fields["user_id"] == users["street"].pk and first.fields["duration_ms"] >= 0
    formatted = "\n".join(PortalFormatter(json=True).format(r) for r in lines)
    assert number not in formatted and number[-6:] not in formatted
    assert json.loads(formatted.splitlines()[0])["request_id"] == "req-0123456789"


def test_id_and_mobile_numbers_are_masked_in_any_log_line():
    record = logging.LogRecord("django.db", logging.ERROR, __file__, 1, "%s", None, None)
    record.msg = "duplicate key (id_number)=(32010219580302005X) phone 13812348000 or 138 1234 8000"
    line = PortalFormatter(json=True).format(record)
    assert "32010219580302005X" not in line and "13812348000" not in line and "138 1234 8000" not in line
    assert "<id-number>" in line and "<mobile>" in line
    # ids and timings are left alone
    assert mask_personal_data("rid=0a1b13812348000f9 took 1381ms") == "rid=0a1b13812348000f9 took 1381ms"


@pytest.mark.parametrize("production", [False, True])
def test_development_and_production_log_each_line_once(production):
    script = "import logging; logging.getLogger('django.request').warning('marker-%s', 'once')"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    if production:
        env.update(DJANGO_ENV="production", DJANGO_SECRET_KEY="k" * 60, DJANGO_ALLOWED_HOSTS="x")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stderr.count("marker-once") == 1, result.stderr
    if production:
        assert json.loads(result.stderr.strip().splitlines()[-1])["message"] == "marker-once"
