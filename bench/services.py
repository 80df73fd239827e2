"""Benchmark: the home page and the dashboard with the services' figures, at street scale (10
communities, ≈2,000 activities) and district scale (75 communities, ≈15,000 activities), as the
street staff and as a community secretary.

    .venv/bin/python bench/services.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/services.py              # SQLite files under /tmp

Each scale is seeded afresh (``seed_demo --scale …`` adds the services) into its own database;
then each page is fetched through Django's test client. Printed per page: the median time of
--repeat requests with the cache warm (what the committee's repeated looks cost) and cold (the
cache cleared before each request: the first look after a change), the number of queries of a
cold request, and district ÷ street; then the time the services' own figures take on a cold
street dashboard (the members' parts, the trend of 60 months among them, take the rest). Last,
the number of queries of a cold dashboard once 2,000 more activities with participants are added
(then rolled back): the count must not move.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _support import PYTHON, ROOT, demo_database  # bench/ is on sys.path when run

SCALES = ("street", "district")
EXTRA_ACTIVITIES = 2000


def measure(repeat):
    """Runs inside a child process whose DATABASE_URL points at one scale's database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    import datetime

    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from members.models import Member
    from services.models import Activity, CareVisit, ServiceEntry

    setup_test_environment()
    today = datetime.date.today()
    across = f"{today.year - 1}-07-01"  # a period across New Year
    pages = {
        "home": "/",
        "dashboard": "/dashboard/",
        "dashboard, period across a year": f"/dashboard/?start={across}",
        "dashboard export": "/dashboard/export.xlsx",
    }
    results = {}
    for username in ("jiedao", "beimen"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        for name, url in pages.items():
            client.get(url)  # warm up
            warm, cold = [], []
            for _ in range(repeat):
                started = time.perf_counter()
                assert client.get(url).status_code == 200, url
                warm.append(time.perf_counter() - started)
                cache.clear()
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 200, url
                cold.append(time.perf_counter() - started)
            results[f"{username:7} {name}"] = {
                "warm": statistics.median(warm) * 1000,
                "cold": statistics.median(cold) * 1000,
                "queries": len(queries),
            }
    results["services' figures alone (jiedao)"] = _services_alone(repeat, period=None)
    results["services' figures alone, period across a year"] = _services_alone(repeat, period=across)
    client = Client()
    client.force_login(get_user_model().objects.get(username="jiedao"))
    results["queries of a cold dashboard"] = _cold_queries(client, cache)
    with transaction.atomic():
        _add_activities(EXTRA_ACTIVITIES)
        results[f"… with {EXTRA_ACTIVITIES} more activities"] = _cold_queries(client, cache)
        transaction.set_rollback(True)
    results["activities"] = Activity.objects.count()
    results["ledger entries"] = ServiceEntry.objects.count()
    results["care visits"] = CareVisit.objects.count()
    results["members on the register"] = Member.objects.current().count()
    print(json.dumps(results))


def _services_alone(repeat, period):
    """What the services' columns add to a cold street dashboard: their figures computed afresh
    (the tree of the day, shared with the other parts, is built beforehand)."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from organizations.models import Organization
    from portal.dashboard import Board
    from services.dashboard import compute_rows

    street = Organization.objects.get(depth=1)
    start = datetime.date.fromisoformat(period) if period else None
    times = []
    for _ in range(repeat):
        board = Board(street, datetime.date.today(), start=start)
        board.outline  # noqa: B018 (built once per page for every part)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            compute_rows(board)
        times.append(time.perf_counter() - started)
    median = statistics.median(times) * 1000
    return {"warm": median, "cold": median, "queries": len(queries)}


def _cold_queries(client, cache):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/dashboard/").status_code == 200
    return len(queries)


def _add_activities(count):
    """``count`` activities this year in the first communities, five participants each."""
    import datetime

    from django.utils import timezone

    from members.models import Member
    from organizations.models import Organization
    from services.models import Activity, ServiceEntry

    communities = list(Organization.objects.filter(kind="community").order_by("path")[:10])
    today = datetime.date.today()
    activities, people = [], {}
    for index in range(count):
        community = communities[index % len(communities)]
        if community.pk not in people:
            people[community.pk] = list(Member.objects.current().under(community).values_list("pk", flat=True)[:40])
        day = today - datetime.timedelta(days=index % max(1, (today - today.replace(month=1, day=1)).days + 1))
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(6)))
        activities.append(Activity(organization=community, title=f"加测活动{index}", starts_at=start))
    Activity.objects.bulk_create(activities, batch_size=2000)
    entries = []
    for index, activity in enumerate(activities):
        pool = people[activity.organization_id]
        for offset in range(5):
            entries.append(
                ServiceEntry(
                    member_id=pool[(index + offset * 7) % len(pool)],
                    organization_id=activity.organization_id,
                    activity=activity,
                    served_on=timezone.localtime(activity.starts_at).date(),
                    minutes=30,
                )
            )
    ServiceEntry.objects.bulk_create(entries, batch_size=2000)


def prepare(scale, postgres, reuse=False):
    """A freshly seeded database for ``scale`` (or, with ``reuse``, the one the last run left); the
    environment to reach it; the seeding time."""
    started = time.perf_counter()
    if postgres and reuse:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env["DATABASE_URL"] = f"{postgres.rsplit('/', 1)[0]}/bench_services_{scale}"
        return env, 0.0
    if postgres:
        env = demo_database(postgres.rsplit("/", 1)[0], f"bench_services_{scale}", "--scale", scale, analyse=True)
    else:
        path = Path(f"/tmp/portal-bench-services-{scale}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env["DATABASE_URL"] = f"sqlite:///{path}"
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        seed = [PYTHON, "manage.py", "seed_demo", "--scale", scale]
        subprocess.run(seed, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return env, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose server may create bench_services_* databases")
    parser.add_argument("--reuse", action="store_true", help="measure the databases the last run seeded")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure(args.repeat)
    figures, seeding = {}, {}
    for scale in SCALES:
        env, seeding[scale] = prepare(scale, args.postgres, args.reuse)
        output = subprocess.run(
            [PYTHON, __file__, "--child", "--repeat", str(args.repeat)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures[scale] = json.loads(output.strip().splitlines()[-1])
    street, district = figures["street"], figures["district"]
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{engine}; median of {args.repeat} requests, milliseconds; queries of a cold request")
    print(f"seed_demo: street {seeding['street']:.0f} s, district {seeding['district']:.0f} s (migrate included)")
    print(f"{'':38} {'street':>21} {'district':>21} {'district ÷ street':>18}")
    print(
        f"{'page (user)':38} {'warm':>7} {'cold':>7} {'q':>5} {'warm':>7} {'cold':>7} {'q':>5} {'warm':>8} {'cold':>8}"
    )
    for name, low in street.items():
        high = district[name]
        if isinstance(low, dict):
            print(
                f"{name:38} {low['warm']:>7.1f} {low['cold']:>7.1f} {low['queries']:>5} "
                f"{high['warm']:>7.1f} {high['cold']:>7.1f} {high['queries']:>5} "
                f"{high['warm'] / low['warm']:>8.2f} {high['cold'] / low['cold']:>8.2f}"
            )
        else:
            print(f"{name:38} {low:>21} {high:>21}")


if __name__ == "__main__":
    main()
