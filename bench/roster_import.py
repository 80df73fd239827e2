"""Benchmark: importing a 20,000-row roster, against the floor of reading it with calamine and
writing it with one bulk_create, measured in the same run.

    .venv/bin/python bench/roster_import.py                     # SQLite file under /tmp
    .venv/bin/python bench/roster_import.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/roster_import.py --rows 5000
    .venv/bin/python bench/roster_import.py --rows 50000 --before 8dacfed   # an earlier commit first, same run

Each phase runs in its own process on a fresh database seeded at street scale; the roster goes
into 北门社区党委's branches and groups. The file is made beforehand and read from disk, and the
re-import's first import runs in another process, so a phase's peak memory (RSS) is its own.
Every phase is timed as the best of three runs, each rolled back. Reported: seconds per phase,
the ratio to the floor (calamine + bulk_create in batches, linear in the rows on both
databases), and peak memory: after the first run (one import) and after all three.
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from _support import before_checkout  # noqa: E402 (bench/ is on sys.path when run)

ROOT = Path(__file__).resolve().parent.parent
HEADERS = [
    "姓名",
    "性别",
    "民族",
    "出生日期",
    "身份证号",
    "联系电话",
    "家庭住址",
    "学历",
    "工作单位",
    "职务",
    "入党时间",
    "党员类别",
    "人员类别",
    "所在支部",
    "所在党小组",
]


def make_roster(rows, branches):
    """A 15-column roster of ``rows`` new members spread over the community's groups."""
    import datetime
    import random

    from openpyxl import Workbook

    from portal.identity import make_id_number, region_existed

    rnd = random.Random(20)
    # Real region codes (the importer refuses ones that never existed), one per 2,000 rows.
    areas = [
        code
        for code in (f"{p}{n:02d}" for p in ("1101", "3201", "3301", "4401") for n in range(1, 100))
        if region_existed(code)
    ]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(["北门社区党员花名册"])
    sheet.append(["填报单位：北门社区党委"])
    sheet.append(HEADERS)
    places = [(branch, group) for branch, groups in branches.items() for group in groups] or [(b, "") for b in branches]
    for n in range(rows):
        birth = datetime.date(1940 + n % 60, 1 + n % 12, 1 + n % 28)
        gender = "M" if n % 2 else "F"
        branch, group = places[n % len(places)]
        sheet.append(
            [
                f"{rnd.choice('王李张刘陈杨')}{rnd.choice('伟芳娜秀英敏静')}{n % 97}",
                "男" if gender == "M" else "女",
                "汉族",
                # Unique: (birth, sequence) never repeats inside a block of 2,000 rows, and blocks differ by area.
                birth,
                make_id_number(areas[n // 2000], birth, n % 499, gender),
                f"139{n:08d}",
                f"北门社区{n % 40}号楼",
                "本科",
                "某单位",
                "",
                datetime.date(birth.year + 25, 7, 1),
                "正式党员",
                "离退休" if birth.year < 1966 else "在职",
                branch,
                group,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ROSTER_FILE = Path("/tmp/portal-bench-roster.xlsx")


def setup_django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, os.getcwd())  # the checkout measured: this one or the --before worktree
    django.setup()


def branches_of(community):
    from organizations.models import Organization

    branches = {}
    for org in Organization.objects.under(community).filter(kind__in=["branch", "group"]).order_by("path"):
        if org.kind == "branch":
            branches[org.name] = []
            last = org.name
        else:
            branches[last].append(org.name)
    return branches


def write_roster(rows):
    """The roster, made once (in its own process: making it is not part of any phase)."""
    setup_django()
    from organizations.models import Organization

    ROSTER_FILE.write_bytes(make_roster(rows, branches_of(Organization.objects.get(name="北门社区党委"))))


def measure(rows, phase):
    setup_django()
    from django.db import transaction
    from python_calamine import CalamineWorkbook

    from members.imports import RosterImport
    from members.models import Member
    from organizations.models import Organization
    from portal.models import User

    community = Organization.objects.get(name="北门社区党委")
    data = ROSTER_FILE.read_bytes()
    user = User.objects.get(username="beimen")

    def floor():
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        org = Organization.objects.filter(kind="group").first()
        Member.objects.bulk_create(
            [
                Member(
                    name=r[0],
                    gender="M",
                    birth_date=r[3],
                    id_number=r[4],
                    joined_on=r[10],
                    organization=org,
                    status="full",
                    category="retired",
                    management_type="self_managed",
                )
                for r in sheet[3:]
            ],
            batch_size=2000,  # one statement per 2,000 rows: linear in the rows on SQLite too
        )

    def preview():
        assert RosterImport(data, "bench.xlsx", community, user).analyse().counts == (rows, 0, 0, 0)

    def commit():
        plan, committed = RosterImport(data, "bench.xlsx", community, user).commit()
        assert committed and plan.counts == (rows, 0, 0, 0), plan.counts

    def reimport():
        plan, committed = RosterImport(data, "bench.xlsx", community, user).commit()
        assert committed and plan.counts == (0, 0, rows, 0), plan.counts

    if phase == "first-import":  # for real: the register then holds the file, for the re-import
        return commit()
    action = {"floor": floor, "preview": preview, "commit": commit, "reimport": reimport}[phase]
    # Every phase: the best of three, each rolled back, so all are measured the same way.
    elapsed, peaks = None, []
    for _attempt in range(3):
        started = time.perf_counter()
        with transaction.atomic():
            action()
            transaction.set_rollback(True)
        elapsed = min(elapsed or 1e9, time.perf_counter() - started)
        peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    # The first run's peak is one import's; the third's, what a worker that ran three holds at most.
    print(json.dumps({"seconds": elapsed, "peak_mb": peaks[0], "peak_after_three_mb": peaks[-1]}))


def fresh_database(postgres, env, checkout=ROOT):
    name = "bench_import"
    if postgres:
        import psycopg

        with psycopg.connect(postgres, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        url = postgres.rsplit("/", 1)[0] + f"/{name}"
    else:
        path = Path(f"/tmp/portal-{name}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    env = {**env, "DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=checkout, env=env, check=True)
    seed = [sys.executable, "manage.py", "seed_demo"]
    subprocess.run(seed, cwd=checkout, env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres")
    parser.add_argument("--before", metavar="REV", help="first the same phases on the code of commit REV")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "write-roster":
        return write_roster(args.rows)
    if args.phase:
        return measure(args.rows, args.phase)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_DEBUG"] = "0"  # as a server runs: DEBUG would log every query, and a bulk insert is megabytes of SQL
    checkouts = {"now": ROOT}
    if args.before:
        checkouts = {f"before ({args.before})": before_checkout(args.before)[0], **checkouts}
    for label, checkout in checkouts.items():
        report(label, measure_all(args, env, checkout), args)


def measure_all(args, env, checkout):
    results = {}

    def run(phase, phase_env):
        command = [sys.executable, str(ROOT / "bench" / "roster_import.py"), "--phase", phase, "--rows", str(args.rows)]
        return subprocess.run(command, cwd=checkout, env=phase_env, check=True, capture_output=True, text=True).stdout

    for phase in ("floor", "preview", "commit", "reimport"):
        phase_env = fresh_database(args.postgres, env, checkout)
        if phase == "floor":
            run("write-roster", phase_env)
        if phase == "reimport":
            run("first-import", phase_env)
        results[phase] = json.loads(run(phase, phase_env).strip().splitlines()[-1])
    return results


def report(label, results, args):
    floor = results["floor"]["seconds"]
    print(f"{label} — {'PostgreSQL' if args.postgres else 'SQLite'}; {args.rows} rows × 15 columns")
    print(f"{'phase':28} {'seconds':>8} {'× floor':>8} {'peak RSS MB':>12} {'after 3 runs':>12}")
    for phase, name in (
        ("floor", "floor: calamine + bulk_create"),
        ("preview", "preview (check every row)"),
        ("commit", "commit, new members"),
        ("reimport", "re-import, unchanged"),
    ):
        figures = results[phase]
        print(
            f"{name:28} {figures['seconds']:>8.2f} {figures['seconds'] / floor:>8.2f} {figures['peak_mb']:>12.0f}"
            f" {figures['peak_after_three_mb']:>12.0f}"
        )


if __name__ == "__main__":
    main()
