"""Benchmark: the member list, member page, home and dashboard at street scale (≈3,000 members),
district scale (≈25,000) and, with --ten, ten times the district (≈250,000), as the street staff
and as a community secretary.

    .venv/bin/python bench/pages.py                 # SQLite files under /tmp
    .venv/bin/python bench/pages.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/pages.py --postgres … --ten --before 8dacfed --only jiedao

Each scale is seeded once into its own database (kept for the next run). On PostgreSQL the tables
are analysed before measuring, as autovacuum does on a server that has run a while: freshly seeded
tables without statistics hide the plans a real server chooses. Every page is fetched through
Django's test client; the figures are the median of --repeat requests (then the median of
--rounds rounds, each measuring every scale once, so a slow minute of the machine touches every
scale alike) and the number of queries of one request. The ratio columns divide by the street:
these machines are noisy, so compare ratios rather than seconds.

With --before REV the same pages are measured, in the same run, on the code of commit REV (a git
worktree under /tmp, its own databases seeded by its own code), side by side with this checkout.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _support import before_checkout  # noqa: E402 (bench/ is on sys.path when run)

ROOT = Path(__file__).resolve().parent.parent
SCALES = {
    "street": ["--scale", "street"],
    "district": ["--scale", "district"],
    "district10": ["--scale", "district", "--per-community", "3330"],
}


def measure(repeat, only, users):
    """Runs inside a child process whose DATABASE_URL points at one scale's database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, os.getcwd())  # the checkout measured: this one or the --before worktree
    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from members.models import Member
    from organizations.models import Organization

    setup_test_environment()
    community = Organization.objects.get(name="北门社区党委")
    member = Member.objects.filter(standing="active", organization__path__startswith=community.path).order_by("id")[10]
    day = "2023-06-30"
    pages = {
        "home": "/",
        "member list": "/members/",
        # One member's own initials: a different member (and term) at each scale, so one match on the
        # street's page may face fifty on the district's; the same terms at every scale follow.
        "member list, search zwh-style": f"/members/?q={member.name_initials.split()[0]}",
        "member search, initials lyj": "/members/?q=lyj",  # a few people at any scale
        "member search, surname wang": "/members/?q=wang",  # a full page at any scale
        "member list, filtered": "/members/?category=retired&sort=-joined_on",
        "member list, page 5": "/members/?page=5",
        "member page": f"/members/{member.pk}/",
        "dashboard": "/dashboard/",
        f"dashboard as of {day}": f"/dashboard/?date={day}",
        "dashboard, cold cache": "/dashboard/",
        "dashboard export": "/dashboard/export.xlsx",
    }
    results = {}
    for username in users:
        client = Client()
        client.force_login(django.contrib.auth.get_user_model().objects.get(username=username))
        for name, url in pages.items():
            if only and not name.startswith(only):
                continue
            client.get(url, follow=True)  # warm up (an old ?q= search redirects to the posted form's URL)
            times = []
            for _ in range(repeat):
                if "cold" in name:
                    cache.clear()  # the monthly trend and past figures are recomputed from the log
                started = time.perf_counter()
                response = client.get(url, follow=True)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
            if "cold" in name:
                cache.clear()
            with CaptureQueriesContext(connection) as queries:
                client.get(url, follow=True)
            cost = highest_estimate(connection, queries.captured_queries)
            results[f"{username:7} {name}"] = [statistics.median(times) * 1000, len(queries), cost]
    results["members on the register"] = [Member.objects.filter(standing="active").count(), 0, 0]
    print(json.dumps(results))


def highest_estimate(connection, queries):
    """PostgreSQL's highest estimated cost among a page's queries (0 on SQLite): an estimate in the
    millions is what once made it JIT-compile a 50 ms query for a second."""
    import re

    if connection.vendor != "postgresql":
        return 0
    highest = 0.0
    for query in queries:
        sql = re.sub(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH HOLD FOR ', "", query["sql"])
        if not sql.startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            plan = cursor.fetchone()[0]
        highest = max(highest, float(re.search(r"cost=[\d.]+\.\.([\d.]+)", plan).group(1)))
    return highest


def database_url(scale, postgres, suffix):
    if postgres:
        return postgres.rsplit("/", 1)[0] + f"/bench_{scale}{suffix}"
    return f"sqlite:////tmp/portal-bench-{scale}{suffix}.sqlite3"


# Asked the same way of any revision's code (older ones have no demo.exists()).
SEEDED = "from organizations.models import Organization; print(Organization.objects.exists())"


def prepare(scale, postgres, env, checkout, suffix):
    """The scale's database, migrated and seeded by ``checkout``'s own code (once), then analysed."""
    url = database_url(scale, postgres, suffix)
    if postgres:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(postgres, autocommit=True) as connection:
            if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                connection.execute(f'CREATE DATABASE "{name}"')
    env = {**env, "DATABASE_URL": url}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=checkout, env=env, check=True)
    seeded = subprocess.run(
        [python, "manage.py", "shell", "-c", SEEDED],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    if seeded[-1:] != ["True"]:  # the last line: Django's shell may first say what it imported
        print(f"seeding {scale}{suffix} (once; minutes at the larger scales)…", file=sys.stderr)
        seed = [python, "manage.py", "seed_demo", *SCALES[scale]]
        subprocess.run(seed, cwd=checkout, env=env, check=True, stdout=subprocess.DEVNULL)
    if postgres:
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("ANALYZE")  # what autovacuum has done on a server that has run a while
    return env


def run_child(checkout, env, args):
    command = [sys.executable, str(ROOT / "bench" / "pages.py"), "--child", "--repeat", str(args.repeat)]
    command += ["--only", args.only, "--users", *args.users]
    output = subprocess.run(command, cwd=checkout, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="requests per page in a round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each over every scale and checkout")
    parser.add_argument("--postgres", help="a PostgreSQL URL whose server may create the bench_* databases")
    parser.add_argument("--only", default="", help="only pages whose name starts with this (e.g. dashboard)")
    parser.add_argument("--users", nargs="+", default=["jiedao", "beimen"], help="street staff, a secretary")
    parser.add_argument("--ten", action="store_true", help="also ten times the district (seeding takes a while)")
    parser.add_argument("--before", metavar="REV", help="also measure the code of commit REV, side by side")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure(args.repeat, args.only, args.users)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_DEBUG"] = "0"  # as a server runs: DEBUG would log every query, and a bulk insert is megabytes of SQL
    scales = [scale for scale in SCALES if args.ten or scale != "district10"]
    checkouts = {"now": (ROOT, "")}
    if args.before:
        checkouts = {"before": before_checkout(args.before), **checkouts}
    envs = {}
    for label, (checkout, suffix) in checkouts.items():
        for scale in scales:
            envs[label, scale] = (checkout, prepare(scale, args.postgres, env, checkout, suffix))
    # This machine's speed drifts over minutes: each round measures every checkout and scale once,
    # so a slow minute touches all of them alike instead of one scale's whole run.
    runs = {key: [] for key in envs}
    for _round in range(args.rounds):
        for key, (checkout, scale_env) in envs.items():
            runs[key].append(run_child(checkout, scale_env, args))
    report({key: over_rounds(results) for key, results in runs.items()}, checkouts, scales, args)


def over_rounds(results):
    """Each page's median time over the rounds; its queries and estimate from the last round."""
    last = results[-1]
    return {name: [statistics.median(result[name][0] for result in results), *last[name][1:]] for name in last}


def report(figures, checkouts, scales, args):
    engine = "PostgreSQL, analysed" if args.postgres else "SQLite"
    print(f"{engine}; median of {args.repeat} requests in ms (the median of {args.rounds} rounds", end="")
    print(" alternating the scales), × street, queries per request", end="")
    print(", and the highest estimated cost among them (EXPLAIN)" if args.postgres else "")
    header = f"{'page (user)':42}"
    for label in checkouts:
        for scale in scales:
            header += f" {label + ' ' + scale:>19}" if scale == "street" else f" {scale:>10} {'×':>5}"
        header += f" {'queries':>12}" + (f" {'highest estimate':>24}" if args.postgres else "")
    print(header)
    first = figures[next(iter(checkouts)), "street"]
    for name in first:
        line = f"{name:42}"
        for label in checkouts:
            row = figures[label, "street"].get(name)
            if row is None:
                line += " " * (20 + 17 * (len(scales) - 1) + 13 + (25 if args.postgres else 0))
                continue
            street = row[0]
            line += f" {street:>19.0f}" if name.startswith("members") else f" {street:>19.1f}"
            for scale in scales[1:]:
                value = figures[label, scale][name][0]
                line += (
                    f" {value:>10.0f} {value / street:>5.1f}"
                    if name.startswith("members")
                    else (f" {value:>10.1f} {value / street:>5.2f}")
                )
            counts = "/".join(str(figures[label, scale][name][1]) for scale in scales)
            costs = "/".join(f"{figures[label, scale][name][2]:.0f}" for scale in scales)
            line += f" {counts if not name.startswith('members') else '':>12}"
            line += f" {costs if not name.startswith('members') and args.postgres else '':>24}"
        print(line)


if __name__ == "__main__":
    main()
