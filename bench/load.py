"""Load test: gunicorn + PostgreSQL at district scale, 50 (then 10) users for 60 s, on loopback.

    .venv/bin/python bench/load.py [--postgres postgres://postgres@127.0.0.1:5432/postgres]
        [--scale district] [--users 50 10] [--seconds 60]

Builds the demo street at the scale in a fresh database of its own (then ANALYZE, as a server that
has run a while), starts gunicorn with deploy/gunicorn.conf.py (4 workers) on a free loopback port,
runs bench/locustfile.py headless — the users arrive --arrivals a second (each logs in), then all
of them work for --seconds — and prints requests per second and the median, p95 and p99 of every
page over those seconds. Bounded: each run stops after --seconds; nothing is sent anywhere but 127.0.0.1.

With --before REV the same load runs first against the code of commit REV (a git worktree under /tmp
with its own database, seeded by its own code), so that before and after come from one run.
"""

import argparse
import csv
import subprocess
import tempfile
import time
import urllib.request

from _support import PYTHON, ROOT, before_checkout, demo_database, free_port  # noqa: E402 (bench/ is on sys.path when run)


def serve(env, port, checkout=ROOT):
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "4", "GUNICORN_ACCESS_LOG": ""}
    config = str(ROOT / "deploy" / "gunicorn.conf.py")  # this checkout's, for an earlier commit's code too
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", config, "portal.wsgi"],
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def run_locust(port, users, seconds, arrivals):
    """``users`` arrive ``arrivals`` a second (each logs in: PBKDF2, a fifth of a second of CPU), then
    all of them work for ``seconds``; the figures are those ``seconds`` (locust resets its statistics
    once every user has arrived), so that they describe 50 users at work, not 50 logging in at once."""
    arriving = -(-users // arrivals)
    with tempfile.TemporaryDirectory() as folder:
        prefix = f"{folder}/load"
        command = [
            PYTHON, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "-H", f"http://127.0.0.1:{port}", "-u", str(users), "-r", str(arrivals), "--reset-stats",
            "-t", f"{arriving + seconds}s", "--stop-timeout", "10", "--csv", prefix, "--only-summary",
        ]  # fmt: skip
        subprocess.run(command, cwd=ROOT, check=False, capture_output=True, timeout=arriving + seconds + 120)
        with open(f"{prefix}_stats.csv", newline="") as stats:
            return list(csv.DictReader(stats))


def report(title, rows):
    print(f"\n{title}")
    print(f"{'page':18} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in rows:
        print(
            f"{row['Name']:18} {row['Request Count']:>8} {row['Failure Count']:>6} {float(row['Requests/s']):>6.1f} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--scale", default="district")
    parser.add_argument("--users", type=int, nargs="+", default=[50, 10])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--arrivals", type=int, default=2, help="users arriving (logging in) per second")
    parser.add_argument("--before", metavar="REV", help="first the same load on the code of commit REV")
    args = parser.parse_args()
    server = args.postgres.rstrip("/")
    server = server.rsplit("/", 1)[0] if server.count("/") > 2 else server  # the server, not a database on it
    checkouts = {"now": (ROOT, "")}
    if args.before:
        checkouts = {f"before ({args.before})": before_checkout(args.before), **checkouts}
    for label, (checkout, suffix) in checkouts.items():
        env = demo_database(server, f"bench_load{suffix}", "--scale", args.scale, analyse=True, checkout=checkout)
        port = free_port()
        gunicorn = serve(env, port, checkout)
        try:
            for users in args.users:
                rows = run_locust(port, users, args.seconds, args.arrivals)
                report(f"{label}: {users} users at work for {args.seconds} s, {args.arrivals} arriving a second", rows)
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)


if __name__ == "__main__":
    main()
