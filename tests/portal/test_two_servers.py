"""Two app servers and one worker, sharing nothing but the database.

Real processes: `manage.py worker` and two gunicorn servers on two loopback ports, against a
database of their own (a fresh PostgreSQL database when the suite runs on PostgreSQL, else a
SQLite file). A roster uploaded on server A is checked by the worker and shows its result on
server B, committed from B and seen on A; a change made on A shows on B's pages at once.
"""

import datetime
import http.cookiejar
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

from portal.demo import PASSWORD
from portal.identity import make_id_number

ROOT = Path(__file__).resolve().parents[2]
ROWS = 6000  # well above the size that runs in the request (about 4,000 rows)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    """A database of the servers' own: they cannot see the test database's open transaction."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'two-servers.sqlite3'}"
        return
    import psycopg

    main = settings.DATABASES["default"]
    server = f"postgres://{main['USER']}@{main['HOST'] or '127.0.0.1'}:{main['PORT'] or 5432}"
    name = f"portal_two_servers_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def servers(database_url, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "two-servers-test-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("REDIS_URL", None)  # the database's cache: nothing shared but the database
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["seed_demo", "--communities", "2", "--per-community", "40"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    ports = [free_port(), free_port()]
    logs = [open(tmp_path / f"{name}.log", "w") for name in ("worker", "a", "b")]  # noqa: SIM115
    processes = [
        subprocess.Popen([*manage, "worker", "--interval", "0.2"], cwd=ROOT, env=env, stdout=logs[0], stderr=logs[0])
    ]
    for port, log in zip(ports, logs[1:], strict=True):
        gunicorn = [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
        processes.append(subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=log, stderr=log))
    try:
        for port in ports:
            wait_for(port)
        yield Running([f"http://127.0.0.1:{port}" for port in ports], worker_pid=processes[0].pid)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)  # the killed worker is already gone: wait() returns at once
        for log in logs:
            log.close()


class Running(list):
    """The servers' base URLs, and the worker's process id."""

    def __init__(self, urls, worker_pid):
        super().__init__(urls)
        self.worker_pid = worker_pid


def wait_for(port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no server on port {port}")


class Browser:
    """One person's cookies, used against either server."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self):
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def get(self, url, **headers):
        request = urllib.request.Request(url, headers=headers)
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode()

    def post(self, url, fields, files=None):
        body, content_type = encode(fields, files or {})
        headers = {"Content-Type": content_type, "X-CSRFToken": self.csrf(), "Referer": url}
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with self.opener.open(request, timeout=120) as response:
            return response.geturl(), response.read().decode()

    def log_in(self, base, username):
        self.get(f"{base}/accounts/login/")
        self.post(f"{base}/accounts/login/", {"login": username, "password": PASSWORD})


def encode(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def roster():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(["姓名", "身份证号", "入党时间", "党员类别", "人员类别", "联系电话"])
    for n in range(ROWS):
        born = datetime.date(1940 + n % 50, 1 + n % 12, 1 + n % 28)
        number = make_id_number("320102", born, n % 499, "M" if n % 2 else "F")
        sheet.append([f"新党员{n}", number, f"{born.year + 25}-07-01", "正式党员", "离退休", f"139{n:08d}"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def settled(browser, url, seconds=180):
    """The batch page once its job has finished."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = browser.get(url)
        if "<progress" not in page:
            return page
        time.sleep(0.5)
    raise AssertionError("the background job never finished")


def home_total(browser, base):
    return int(re.search(r"在册党员 <strong>(\d+)</strong> 名", browser.get(f"{base}/")).group(1))


@pytest.mark.django_db
def test_an_import_and_a_change_made_on_one_server_show_on_the_other(servers):
    a, b = servers
    secretary = Browser()
    secretary.log_in(a, "beimen")
    before = home_total(secretary, b)  # logged in on A, the session works on B; B caches its figures
    page = secretary.get(f"{a}/members/import/")
    branch = re.search(r'<option value="(\d+)">\s*(\S*支部)</option>', page)
    assert branch, "no branch to import into"
    url, _page = secretary.post(
        f"{a}/members/import/", {"organization": branch.group(1)}, {"file": ("大名册.xlsx", roster())}
    )
    batch = re.search(r"/members/import/(\d+)/", url).group(0)
    result = settled(secretary, f"{b}{batch}")  # checked by the worker, shown by the other server
    assert re.search(r'id="new-count">(\d+)<', result).group(1) == str(ROWS)
    secretary.post(f"{b}{batch}commit/", {})
    result = settled(secretary, f"{a}{batch}")
    assert "导入结果" in result and re.search(r'id="new-count">(\d+)<', result).group(1) == str(ROWS)
    assert home_total(secretary, b) == before + ROWS  # no stale figures on B
    member = re.search(
        r'href="/members/(\d+)/">新党员7<', secretary.get(f"{a}/members/?q={urllib.parse.quote('新党员7')}")
    ).group(1)
    change = f"{a}/members/{member}/changes/death/"
    form = secretary.get(change)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    secretary.post(change, {"effective_date": datetime.date.today().isoformat(), "version": version, "confirm": "1"})
    assert home_total(secretary, b) == before + ROWS - 1


@pytest.fixture
def fast_heartbeat(monkeypatch):
    # Every process started by the fixtures below beats every 0.5 s: a dead one shows within 4 s.
    monkeypatch.setenv("PORTAL_WORKER_HEARTBEAT_SECONDS", "0.5")


@pytest.mark.django_db
def test_a_worker_killed_in_the_middle_of_an_import_loses_nothing(fast_heartbeat, servers, database_url):
    import signal

    a, b = servers
    secretary = Browser()
    secretary.log_in(a, "beimen")
    before = home_total(secretary, a)
    page = secretary.get(f"{a}/members/import/")
    branch = re.search(r'<option value="(\d+)">\s*(\S*支部)</option>', page).group(1)
    url, _page = secretary.post(f"{a}/members/import/", {"organization": branch}, {"file": ("大名册.xlsx", roster())})
    batch = re.search(r"/members/import/(\d+)/", url).group(0)
    settled(secretary, f"{a}{batch}")
    secretary.post(f"{a}{batch}commit/", {})
    wait_until_writing(secretary, f"{b}{batch}")
    os.kill(servers.worker_pid, signal.SIGKILL)  # no chance to clean up: a power cut, an out-of-memory kill
    page = failed_page(secretary, f"{b}{batch}")
    assert "后台任务中断" in page and "没有写入任何数据" in page
    assert home_total(secretary, b) == before  # the job's transaction never committed


def wait_until_writing(browser, url, seconds=120):
    """Until the commit job has checked every row (it writes next), as its progress says."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        fragment = browser.get(url, **{"HX-Request": "true"})
        found = re.search(r"(\d+) / (\d+)", fragment)
        if found and int(found.group(2)) - int(found.group(1)) <= 1000:
            time.sleep(0.3)
            return
        time.sleep(0.1)
    raise AssertionError("the commit job never reached its write")


def failed_page(browser, url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = browser.get(url)
        if "出错" in page or "后台任务中断" in page:
            return page
        time.sleep(0.5)
    raise AssertionError("the lost job was never reported")
