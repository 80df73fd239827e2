"""Production mode, run as it would run: ``check --deploy`` and the headers of real responses, in a
subprocess with production's environment variables."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "dangjian.example.gov.cn"


def production_env(tmp_path, **extra):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    environment.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_TRUST_X_FORWARDED_FOR="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    )
    return environment


def run(args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_deploy_is_clean_in_production(tmp_path):
    result = run(["check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_names_what_a_trial_without_https_lacks(tmp_path):
    result = run(["check", "--deploy"], production_env(tmp_path, DJANGO_HTTPS="0"))
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


RESPONSES = """
import json
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
from django.utils import timezone
from portal.models import WorkerHeartbeat
WorkerHeartbeat.objects.create(worker_id="w1", host="app1", pid=1, last_seen=timezone.now())  # a worker is up
proxy = {"HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https"}
client = Client()
out = {}
for name, path, extra in [
    ("login", "/accounts/login/", proxy),
    ("plain_http", "/accounts/login/", {"HTTP_HOST": HOST}),
    ("health", "/health/", {"HTTP_HOST": HOST}),
    ("static", "/static/css/portal.css", proxy),
    ("missing", "/no-such-page/", proxy),
]:
    response = client.get(path, **extra)
    out[name] = {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": response.cookies.output(),
        "body": b"".join(response).decode(errors="replace")[:3000],
    }
print(json.dumps(out))
"""


def test_production_responses_carry_the_security_headers(tmp_path):
    env = production_env(tmp_path)
    collected = run(["collectstatic", "--noinput", "-v", "0"], {**env, "DJANGO_STATIC_ROOT": str(tmp_path / "s")})
    assert collected.returncode == 0, collected.stderr
    result = run(["shell", "-c", f"HOST = {HOST!r}\n{RESPONSES}"], {**env, "DJANGO_STATIC_ROOT": str(tmp_path / "s")})
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])

    login = out["login"]
    assert login["status"] == 200
    headers = login["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in headers["Cache-Control"]
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    cookies = login["cookies"]
    assert "csrftoken=" in cookies and "Secure" in cookies and "HttpOnly" in cookies

    # Plain HTTP is sent to HTTPS, except the health check the load balancer asks over plain HTTP.
    assert out["plain_http"]["status"] == 301
    assert out["plain_http"]["headers"]["Location"] == f"https://{HOST}/accounts/login/"
    assert out["health"]["status"] == 200 and json.loads(out["health"]["body"])["status"] == "ok"

    # Static files: compressed, hashed names, cacheable (they carry nothing personal).
    static = out["static"]
    assert static["status"] == 200 and "no-store" not in static["headers"].get("Cache-Control", "")
    hashed = list((tmp_path / "s" / "css").glob("portal.*.css"))
    assert hashed and list((tmp_path / "s" / "css").glob("portal.*.css.gz"))

    # An error page in production says nothing about the system.
    missing = out["missing"]
    assert missing["status"] == 404 and "找不到页面" in missing["body"]
    for word in ("Traceback", "Django", "DEBUG", "settings", "urlpatterns"):
        assert word not in missing["body"]
