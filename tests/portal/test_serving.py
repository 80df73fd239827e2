"""The deploy/ examples: gunicorn with deploy/gunicorn.conf.py serves the portal and logs no query
string; nginx and systemd examples say what the README says they do."""

import os
import re
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_serves_the_portal_and_its_access_log_holds_no_query_string(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_")) and k != "DATABASE_URL"}
    port = free_port()
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_ACCESS_LOG="-",
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "portal.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # /health/ answers 200 once the background worker has beaten too.
    worker = subprocess.Popen([sys.executable, "manage.py", "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(150):
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        assert health.status == 200
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/accounts/login/?next=/members/%3Fq%3D13812348000",
            headers={"X-Request-ID": "nginx-request-0001"},
        )
        page = urllib.request.urlopen(request, timeout=5)
        assert page.status == 200 and page.headers["X-Request-ID"] == "nginx-request-0001"
    finally:
        worker.terminate()
        server.terminate()
        output = server.communicate(timeout=30)[0]
        worker.wait(timeout=30)
    access = [line for line in output.splitlines() if '"GET /accounts/login/"' in line]
    assert len(access) == 1, output
    assert "13812348000" not in output and "?next" not in output
    assert "rid=nginx-request-0001" in access[0] and re.search(r" 200 \d+ \d+ms ", access[0])


def test_the_gunicorn_settings():
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["bind"].startswith("127.0.0.1:") and conf["workers"] >= 2
    assert conf["timeout"] == 120 and conf["graceful_timeout"] == 30
    for atom in ("%(r)s", "%(q)s", "%(f)s"):  # request line, query string, Referer
        assert atom not in conf["access_log_format"]


def test_the_nginx_example():
    text = (DEPLOY / "nginx.conf").read_text()
    for line in (
        "client_max_body_size 25m;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Request-ID $request_id;",
        "ssl_protocols TLSv1.2 TLSv1.3;",
        "return 301 https://$host$request_uri;",
    ):
        assert line in text
    log_format = text[text.index("log_format") : text.index(";", text.index("log_format"))]
    assert "$uri" in log_format and "$request " not in log_format and "$args" not in log_format
    assert "$http_referer" not in log_format


def test_the_systemd_units():
    web = (DEPLOY / "portal-web.service").read_text()
    assert "ExecStart=/srv/portal/.venv/bin/gunicorn -c deploy/gunicorn.conf.py portal.wsgi" in web
    assert "EnvironmentFile=/etc/portal/portal.env" in web
    worker = (DEPLOY / "portal-worker.service").read_text()
    assert "ExecStart=/srv/portal/.venv/bin/python manage.py worker" in worker and "Restart=always" in worker
    daily = (DEPLOY / "portal-daily.service").read_text()
    assert "manage.py backup /var/backups/portal/" in daily and "manage.py purge_import_files" in daily
    env = (DEPLOY / "portal.env.example").read_text()
    assert "DJANGO_ENV=production" in env and "DJANGO_TRUST_X_FORWARDED_FOR=1" in env
