"""Benchmark: the member list, member page, home and dashboard at street scale (≈3,000 members)
and district scale (≈25,000 members), as the street staff and as a community secretary.

    .venv/bin/python bench/pages.py                 # SQLite files under /tmp
    .venv/bin/python bench/pages.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/pages.py --only dashboard

Each scale is seeded once into its own database (kept for the next run), then every page is
fetched through Django's test client; the figures are the median of --repeat requests. The last
column is district ÷ street: these machines are noisy, so compare ratios rather than seconds.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALES = ("street", "district")


def measure(repeat, only):
    """Runs inside a child process whose DATABASE_URL points at one scale's database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import setup_test_environment

    from members.models import Member
    from organizations.models import Organization

    setup_test_environment()
    community = Organization.objects.get(name="北门社区党委")
    member = Member.objects.current().under(community).order_by("id")[10]
    day = "2023-06-30"
    pages = {
        "dashboard": "/dashboard/",
        f"dashboard as of {day}": f"/dashboard/?date={day}",
        "dashboard, cold cache": "/dashboard/",
        "dashboard export": "/dashboard/export.xlsx",
        "member list": "/members/",
        "member list, search zwh-style": f"/members/?q={member.name_initials.split()[0]}",
        "member list, filtered": "/members/?category=retired&sort=-joined_on",
        "member list, page 5": "/members/?page=5",
        "member page": f"/members/{member.pk}/",
        "home": "/",
    }
    results = {}
    for username in ("jiedao", "beimen"):
        client = Client()
        client.force_login(django.contrib.auth.get_user_model().objects.get(username=username))
        for name, url in pages.items():
            if only and not name.startswith(only):
                continue
            client.get(url)  # warm up
            times = []
            for _ in range(repeat):
                if "cold" in name:
                    cache.clear()  # the monthly trend and past figures are recomputed from the log
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, (url, response.status_code)
            results[f"{username:7} {name}"] = statistics.median(times) * 1000
    results["members on the register"] = Member.objects.current().count()
    print(json.dumps(results))


def database_url(scale, postgres):
    if postgres:
        return postgres.rsplit("/", 1)[0] + f"/bench_{scale}"
    return f"sqlite:////tmp/portal-bench-{scale}.sqlite3"


def prepare(scale, postgres, env):
    url = database_url(scale, postgres)
    if postgres:
        import psycopg

        with psycopg.connect(postgres, autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (f"bench_{scale}",)).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "bench_{scale}"')
    env = {**env, "DATABASE_URL": url}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "seed_demo", "--scale", scale], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose server may create bench_street/bench_district")
    parser.add_argument("--only", default="", help="only pages whose name starts with this (e.g. dashboard)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure(args.repeat, args.only)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    figures = {}
    for scale in SCALES:
        scale_env = prepare(scale, args.postgres, env)
        output = subprocess.run(
            [sys.executable, __file__, "--child", "--repeat", str(args.repeat), "--only", args.only],
            cwd=ROOT,
            env=scale_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures[scale] = json.loads(output.strip().splitlines()[-1])
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{engine}; median of {args.repeat} requests, milliseconds")
    print(f"{'page (user)':40} {'street':>9} {'district':>9} {'ratio':>6}")
    for name in figures["street"]:
        street, district = figures["street"][name], figures["district"][name]
        if name == "members on the register":
            print(f"{name:40} {street:>9} {district:>9} {district / street:>6.1f}")
        else:
            print(f"{name:40} {street:>9.1f} {district:>9.1f} {district / street:>6.2f}")


if __name__ == "__main__":
    main()
