"""Fault script: the PostgreSQL server restarts while the portal serves pages.

    .venv/bin/python bench/db_restart.py [--postgres postgres://postgres@127.0.0.1:5432] [--seconds 20]

Not a test: it restarts the machine's PostgreSQL server (`pg_ctlcluster 15 main restart`), so it is
run by hand, never in CI. It builds a small demo street in a database of its own, starts gunicorn on a
loopback port, signs in, then asks for the home page and /health/ every 0.2 s while the server
restarts, and prints what the pages answered, second by second: a clear 503 page while the database
is away, and service again by itself once it is back.
"""

import argparse
import http.cookiejar
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

from _support import PYTHON, ROOT, demo_database, free_port  # noqa: E402 (bench/ is on sys.path when run)


def fetch(opener, url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except OSError as error:
        return 0, str(error)


def sign_in(opener, jar, base):
    page = fetch(opener, f"{base}/accounts/login/")[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"login": "beimen", "password": "Dangjian-2026", "csrfmiddlewaretoken": token})
    fetch(opener, f"{base}/accounts/login/", body.encode(), {"Referer": f"{base}/accounts/login/"})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    env = demo_database(args.postgres, "bench_db_restart", "--communities", "2", "--per-community", "40")
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"}
    gunicorn = [PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "portal.wsgi"]
    log = open("/tmp/portal-db-restart.log", "w")  # noqa: SIM115
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=log, stderr=log)
    # /health/ asks for a worker's heartbeat too: one runs, as in production.
    worker = subprocess.Popen([PYTHON, "manage.py", "worker"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        for _ in range(100):
            if fetch(opener, f"{base}/accounts/login/")[0] == 200:
                break
            time.sleep(0.2)
        sign_in(opener, jar, base)
        assert "在册党员" in fetch(opener, f"{base}/")[1], "not signed in"
        started, restarted, timeline = time.monotonic(), None, []
        while time.monotonic() - started < args.seconds:
            second = int(time.monotonic() - started)
            if restarted is None and second >= 3:
                restarted = second
                subprocess.Popen(["pg_ctlcluster", "15", "main", "restart"])  # in the background: pages go on
            home, page = fetch(opener, f"{base}/")
            health = fetch(opener, f"{base}/health/")[0]
            clear = "系统暂时无法使用" in page if home == 503 else None
            timeline.append((second, home, health, clear))
            time.sleep(0.2)
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            process.wait(timeout=30)
        log.close()
    print(f"PostgreSQL restarted at second {restarted}; each second: home page and /health/ statuses")
    for second in sorted({s for s, *_ in timeline}):
        answers = Counter((home, health) for s, home, health, _clear in timeline if s == second)
        print(f"  {second:>3}s  " + ", ".join(f"home {h} /health/ {g} ×{n}" for (h, g), n in answers.items()))
    errors = [entry for entry in timeline if entry[1] not in (200, 503)]
    unclear = [entry for entry in timeline if entry[3] is False]
    print(f"answers other than 200 or 503: {len(errors)}; 503 pages without the Chinese explanation: {len(unclear)}")
    print(f"last answer: home {timeline[-1][1]}, /health/ {timeline[-1][2]} (server log: /tmp/portal-db-restart.log)")


if __name__ == "__main__":
    main()
