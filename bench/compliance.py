"""Benchmark: the schedule rules' compliance figures at street scale (10 communities, ≈11,000
meetings over two years) and district scale (75 communities, ≈82,000 meetings, 1.3 million
attendance rows): the dashboard's compliance table, the compliance page and the home page's
warnings, as the street's staff and as a community secretary.

    .venv/bin/python bench/compliance.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/compliance.py            # SQLite files under /tmp

Each scale is seeded once into a database of its own (bench_compliance_street, …; kept for the next
run) and analysed on PostgreSQL. "cold" clears the cache before each request, so the judgement is
computed again from the meetings, the rules, the exemptions and the tree; "warm" is a look-up by
data version. The number of queries of one request is printed beside the median time: it must be
the same at both scales, whatever the number of branches or meetings (these machines are noisy,
so compare the queries and the ratios rather than the seconds).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from pages import prepare  # noqa: E402 (bench/ is on sys.path when run)

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = "_compliance"  # its own databases: the members' benchmark may have seeded older code's


def measure(repeat):
    """Runs inside a child process whose DATABASE_URL points at one scale's database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, os.getcwd())
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from councils import dashboard
    from councils.compliance import judge
    from councils.models import Attendance, Meeting
    from organizations.models import Organization
    from portal.dashboard import Board

    setup_test_environment()
    street = Organization.objects.get(depth=1)
    community = Organization.objects.get(name="北门社区党委")
    today = timezone.localdate()
    results = {}

    def timed(name, action, cold=True):
        times = []
        for _ in range(repeat):
            if cold:
                cache.clear()
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            action()
        results[name] = [statistics.median(times) * 1000, len(queries)]

    timed("judgement of the street, this year", lambda: judge(street, today.year, today))
    timed("judgement of the street, last year", lambda: judge(street, today.year - 1, today))
    timed("judgement of a community, this year", lambda: judge(community, today.year, today))
    timed("dashboard's compliance table (street)", lambda: dashboard.missed(Board(street, today)))
    pages = {
        "dashboard": "/dashboard/",
        "compliance page": "/councils/compliance/",
        "compliance page, last year": f"/councils/compliance/?year={today.year - 1}",
        "home": "/",
    }
    for username in ("jiedao", "beimen"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        for name, url in pages.items():

            def fetch(url=url, client=client):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            timed(f"{username:7} {name}, cold", fetch)
            fetch()
            timed(f"{username:7} {name}, warm", fetch, cold=False)
    results["branches"] = [Organization.objects.filter(kind="branch").count(), 0]
    results["groups"] = [Organization.objects.filter(kind="group").count(), 0]
    results["meetings"] = [Meeting.objects.count(), 0]
    results["attendance rows"] = [Attendance.objects.count(), 0]
    results["results judged (street, this year)"] = [len(judge(street, today.year, today).results), 0]
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose server may create the bench_* databases")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure(args.repeat)
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_DEBUG"] = "0"  # as a server runs
    env.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    scales = ["street", "district"]
    figures = {}
    for scale in scales:
        scale_env = prepare(scale, args.postgres, env, ROOT, SUFFIX)
        command = [sys.executable, str(ROOT / "bench" / "compliance.py"), "--child", "--repeat", str(args.repeat)]
        output = subprocess.run(command, cwd=ROOT, env=scale_env, check=True, capture_output=True, text=True).stdout
        figures[scale] = json.loads(output.strip().splitlines()[-1])
    report(figures, scales, args)


def report(figures, scales, args):
    engine = "PostgreSQL, analysed" if args.postgres else "SQLite"
    print(f"{engine}; median of {args.repeat} runs in ms, × street, and queries per run (street/district)")
    print(f"{'':46} {'street':>9} {'district':>9} {'×':>5} {'queries':>9}")
    for name, (street, street_queries) in figures["street"].items():
        district, district_queries = figures["district"][name]
        if not street_queries:  # a count, not a measurement
            print(f"{name:46} {street:>9.0f} {district:>9.0f} {district / street:>5.1f}")
            continue
        same = "" if street_queries == district_queries else "  ← grows"
        print(
            f"{name:46} {street:>9.1f} {district:>9.1f} {district / street:>5.1f}"
            f" {f'{street_queries}/{district_queries}':>9}{same}"
        )


if __name__ == "__main__":
    main()
