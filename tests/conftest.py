"""Shared fixtures: a small street with two communities, members with history, one user per role."""

import datetime
import os
import shutil

import pytest
from django.conf import settings

from members.changes import apply_change, register_member
from members.models import Category, Gender, ManagementType, Member, MemberChange, Status
from organizations.models import Organization, Role
from portal.identity import make_id_number
from portal.models import User

PASSWORD = "correct-horse-battery"
D = datetime.date
K = MemberChange.Kind
EST = datetime.date(2019, 1, 1)


def pytest_configure(config):
    # Tests log in often; a slow hasher only costs time here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A developer without root may skip the browser and LibreOffice tests; CI must not.
    missing = [tool for tool in ("chromium", "soffice") if not shutil.which(tool)]
    if os.environ.get("CI") and missing:
        raise pytest.UsageError(f"CI needs {' and '.join(missing)} (bin/test installs them as root); not skipping.")
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        # Two runs on one server (two CI jobs, a developer and CI) must not share, and drop, one
        # test database; pytest-xdist appends its _gw0, _gw1 to this name.
        run = os.environ.get("PORTAL_TEST_RUN") or str(os.getpid())
        database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_{run}"[:50]
        if os.environ.get("CI"):
            _check_postgres_is_usable(database)


def _check_postgres_is_usable(database):
    """Under CI a PostgreSQL server that answers but cannot run the suite fails the run at once."""
    import psycopg

    # The maintenance database, as Django's test runner uses to create the test database.
    params = {"dbname": "postgres", "user": database["USER"], "host": database["HOST"], "connect_timeout": 5}
    params.update({k: v for k, v in (("password", database["PASSWORD"]), ("port", database["PORT"])) if v})
    try:
        with psycopg.connect(**params) as connection:
            version = connection.info.server_version
            (may_create,) = connection.execute(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
    except psycopg.Error as error:
        raise pytest.UsageError(f"CI: PostgreSQL at {database['HOST']} cannot be used: {error}") from None
    if version < 140000:
        raise pytest.UsageError(f"CI: PostgreSQL {version // 10000} is too old (Django 5.2 needs 14 or later).")
    if not may_create:
        raise pytest.UsageError(f"CI: the PostgreSQL user {database['USER']} may not create the test database.")


def pytest_sessionfinish(session, exitstatus):
    """Under CI a skipped test fails the run: what CI skips, it has not checked."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and session.exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; CI runs every test.", red=True)
        session.exitstatus = 1


def make_org(parent, name, kind, **fields):
    defaults = {
        Organization.Kind.COMMUNITY: {"level": Organization.Level.BRANCH},
        Organization.Kind.BRANCH: {"branch_kind": Organization.BranchKind.BUILDING},
    }.get(kind, {})
    return Organization.establish(parent, name=name, kind=kind, established_on=EST, **{**defaults, **fields})


_sequence = iter(range(1, 10**6))


def new_member(
    org,
    name="张卫华",
    birth=datetime.date(1960, 5, 1),
    gender=Gender.MALE,
    *,
    kind=MemberChange.Kind.REGISTRATION,
    on=datetime.date(2020, 1, 1),
    status=Status.FULL,
    category=Category.RETIRED,
    management_type=ManagementType.SELF_MANAGED,
    joined=None,
    **change_fields,
):
    """A member registered through the real code path, with a valid ID number."""
    member = Member(
        name=name,
        gender=gender,
        birth_date=birth,
        joined_on=joined or datetime.date(birth.year + 25, 7, 1),
        id_number=make_id_number("320102", birth, next(_sequence), gender),
        phone="13812348000",
        address="北门社区1号楼",
        status=status,
        category=category,
    )
    if kind == MemberChange.Kind.TRANSFER_IN:
        change_fields = {"external_organization": "县教育局党委", "letter_number": "转字第1号", **change_fields}
    if kind == MemberChange.Kind.MOBILE_IN:
        change_fields = {"place": "福建省福州市", "external_organization": "某村党支部", **change_fields}
    change = MemberChange(
        kind=kind,
        effective_date=on,
        organization=org,
        status=status,
        category=category,
        management_type=management_type,
        **change_fields,
    )
    register_member(member, change)
    member.refresh_from_db()
    return member


@pytest.fixture
def tree(db):
    """Street S → communities A (branch A1 with groups A1g1, A1g2; branch A2) and B (branch B1, group B1g1)."""
    street = make_org(None, "测试街道", Organization.Kind.STREET)
    a = make_org(street, "甲社区党支部", Organization.Kind.COMMUNITY)
    b = make_org(street, "乙社区党支部", Organization.Kind.COMMUNITY)
    a1 = make_org(a, "甲第一支部", Organization.Kind.BRANCH)
    a2 = make_org(a, "甲第二支部", Organization.Kind.BRANCH)
    b1 = make_org(b, "乙第一支部", Organization.Kind.BRANCH)
    orgs = {
        "street": street,
        "a": a,
        "b": b,
        "a1": a1,
        "a2": a2,
        "b1": b1,
        "a1g1": make_org(a1, "甲1号楼小组", Organization.Kind.GROUP),
        "a1g2": make_org(a1, "甲2号楼小组", Organization.Kind.GROUP),
        "b1g1": make_org(b1, "乙1号楼小组", Organization.Kind.GROUP),
    }
    for org in orgs.values():
        org.refresh_from_db()
    return orgs


def make_user(username, kind=None, org=None, **fields):
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    if kind:
        Role.objects.create(user=user, organization=org, kind=kind)
    return user


@pytest.fixture
def users(tree):
    return {
        "street": make_user("street", Role.Kind.STREET_STAFF, tree["street"]),
        "secretary_a": make_user("sec_a", Role.Kind.COMMUNITY_SECRETARY, tree["a"], phone="13900000001"),
        "secretary_b": make_user("sec_b", Role.Kind.COMMUNITY_SECRETARY, tree["b"]),
        "viewer_a": make_user("viewer_a", Role.Kind.VIEWER, tree["a"]),
        "branch_a1": make_user("branch_a1", Role.Kind.BRANCH_SECRETARY, tree["a1"]),
        "superuser": User.objects.create_superuser("root", "root@example.com", PASSWORD),
    }


@pytest.fixture
def members(tree):
    return {
        "a": new_member(tree["a1g1"], "张卫华"),
        "b": new_member(tree["b1g1"], "李秀英", datetime.date(1955, 3, 8), Gender.FEMALE),
    }


@pytest.fixture(autouse=True)
def empty_cache(request):
    """Figures cached from one test's change log must not leak into another's. The cache is the
    database's (as on a server): only a test that uses the database can have filled it."""
    from django.core.cache import cache

    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)  # set up before this autouse fixture touches the table
            cache.clear()
            return


def change(member, kind, on, user=None, **fields):
    entry = MemberChange(member=member, kind=kind, effective_date=on, **fields)
    if entry.organization_id is None:
        entry.organization_id = member.organization_id
    result = apply_change(entry, user)
    member.refresh_from_db()
    return result


@pytest.fixture
def history(tree):
    t = tree
    # m1, retired, born 1950: registered in A 2020-01-01, moved house to community B 2022-03-01.
    m1 = new_member(t["a1g1"], "一", D(1950, 5, 1), on=D(2020, 1, 1))
    change(m1, K.MOVE, D(2022, 3, 1), organization=t["b1g1"])
    # m2, in service, born 1990-07-01: transferred in 2020-06-01, out 2021-06-01, back in 2023-01-01.
    m2 = new_member(
        t["a2"],
        "二",
        D(1990, 7, 1),
        kind=K.TRANSFER_IN,
        on=D(2020, 6, 1),
        category=Category.IN_SERVICE,
        joined=D(2015, 7, 1),
    )
    change(m2, K.TRANSFER_OUT, D(2021, 6, 1), external_organization="外", letter_number="1")
    change(m2, K.TRANSFER_IN, D(2023, 1, 1), organization=t["a1g2"], external_organization="外", letter_number="2")
    # m3, born 1985-02-01: admitted (probationary) 2021-01-10, confirmed 2022-01-10.
    m3 = new_member(
        t["a1g1"],
        "三",
        D(1985, 2, 1),
        Gender.FEMALE,
        kind=K.ADMISSION,
        on=D(2021, 1, 10),
        joined=D(2021, 1, 10),
        category=Category.IN_SERVICE,
    )
    change(m3, K.CONFIRMATION, D(2022, 1, 10))
    # m4, registered in-service member, born 1960-12-01, in branch A2: a mistaken move to B on
    # 2021-05-01, corrected; then branch A2 itself moves to community B on 2022-06-01.
    m4 = new_member(
        t["a2"],
        "四",
        D(1960, 12, 1),
        on=D(2020, 1, 1),
        category=Category.IN_SERVICE,
        management_type=ManagementType.IN_SERVICE,
    )
    change(m4, K.MOVE, D(2021, 5, 1), organization=t["b1"])
    change(m4, K.CORRECTION, D(2021, 5, 10), note="误录")
    # m5, mobile in, born 1995: arrived in B 2022-01-01, left 2023-01-01.
    m5 = new_member(
        t["b1"], "五", D(1995, 1, 1), kind=K.MOBILE_IN, on=D(2022, 1, 1), category=Category.MOBILE, joined=D(2018, 7, 1)
    )
    change(m5, K.LEAVE, D(2023, 1, 1))
    # m6, retired, born 1940: registered in A 2020-01-01, died 2022-08-01.
    m6 = new_member(t["a1g1"], "六", D(1940, 1, 1), on=D(2020, 1, 1))
    change(m6, K.DEATH, D(2022, 8, 1))
    t["a2"].move_to(t["b"], D(2022, 6, 1))
    return t
