"""Every URL × every role: scope violations answer 404, read-only roles 403 on writes, and a full
ID number or phone appears only where the disclosure rule (members/disclosure.py) lets that role see it."""

import datetime
from types import SimpleNamespace

import pytest

from members.models import MemberChange
from services.models import Activity, CoBuildingAgreement, ResidentUnit, ServiceEntry, ServiceTeam, TeamMembership
from tests.helpers import response_text

ROLES = ["street", "secretary_a", "secretary_b", "viewer_a", "anonymous"]
# The last column: which full numbers of a member ("id", "phone") a role finds in the response. Only
# roles with the reveal right on the member's organization see a full phone; a full ID number only
# where the reveal is audited (the reveal endpoint, print view, xlsx exports).
NOTHING = {}


def service_objects(tree, members):
    """One of each services record in community A (made once per test)."""
    entry_a = ServiceEntry.objects.filter(member=members["a"]).first()
    if entry_a is None:
        entry_a = ServiceEntry.objects.create(
            member=members["a"], organization=tree["a"], served_on=datetime.date(2024, 5, 1), minutes=120
        )
    team_a = ServiceTeam.objects.filter(organization=tree["a"]).first()
    if team_a is None:
        team_a = ServiceTeam.objects.create(organization=tree["a"], name="甲社区党员志愿服务队")
        TeamMembership.objects.create(team=team_a, member=members["a"], joined_on=datetime.date(2024, 1, 1))
        activity = Activity.objects.create(
            organization=tree["a"],
            team=team_a,
            title="清理楼道",
            starts_at=datetime.datetime(2024, 5, 1, 9, tzinfo=datetime.UTC),
        )
        ServiceEntry.objects.create(
            member=members["a"],
            organization=tree["a"],
            activity=activity,
            served_on=datetime.date(2024, 5, 1),
            minutes=120,
        )
    unit_a = ResidentUnit.objects.filter(organization=tree["a"]).first()
    if unit_a is None:
        unit_a = ResidentUnit.objects.create(organization=tree["a"], name="县人民医院", offers=["hall"])
        CoBuildingAgreement.objects.create(
            unit=unit_a, organization=tree["a"], title="共建协议", starts_on=datetime.date(2024, 1, 1)
        )
    return {
        "entry_a": entry_a,
        "team_a": team_a,
        "activity_a": Activity.objects.get(team=team_a),
        "membership_a": team_a.memberships.get(),
        "unit_a": unit_a,
        "agreement_a": unit_a.agreements.get(),
    }


WRITE = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403)
READ = dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200)
READ_A = dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200)
WRITE_A = dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403)


def unit_urls(tree, svc):
    """Resident units, agreements, the services' ledgers and their admin import/export."""
    a, unit, agreement, activity = tree["a"].pk, svc["unit_a"].pk, svc["agreement_a"].pk, svc["activity_a"].pk
    period = f"org={a}&start=2024-01-01&end=2024-12-31"
    found = {
        "units": ("get", "/services/units/", READ, NOTHING),
        "units of A": ("get", f"/services/units/?org={a}", READ_A, NOTHING),
        "new unit": ("get", "/services/units/new/", WRITE, NOTHING),
        "save new unit": ("post", "/services/units/new/", WRITE, NOTHING),
        "unit A": ("get", f"/services/units/{unit}/", READ_A, NOTHING),
        "edit unit A": ("get", f"/services/units/{unit}/edit/", WRITE_A, NOTHING),
        "save unit A": ("post", f"/services/units/{unit}/edit/", dict(WRITE_A, street=302, secretary_a=302), NOTHING),
        "new agreement of A": ("get", f"/services/units/{unit}/agreements/new/", WRITE_A, NOTHING),
        "save new agreement of A": (
            "post",
            f"/services/units/{unit}/agreements/new/",
            WRITE_A,
            NOTHING,
        ),
        "agreements": ("get", "/services/agreements/", READ, NOTHING),
        "agreements ending in A": ("get", f"/services/agreements/?org={a}&ending=1", READ_A, NOTHING),
        "agreement A": ("get", f"/services/agreements/{agreement}/", READ_A, NOTHING),
        "edit agreement A": ("get", f"/services/agreements/{agreement}/edit/", WRITE_A, NOTHING),
        "save agreement A": (
            "post",
            f"/services/agreements/{agreement}/edit/",
            WRITE_A,
            NOTHING,
        ),
        "ledgers": ("get", "/services/ledgers/", READ, NOTHING),
        "ledgers of A": ("get", f"/services/ledgers/?{period}", READ_A, NOTHING),
    }
    for kind in ("activities", "hours", "visits", "pairings", "units"):
        found[f"{kind} ledger of A"] = ("get", f"/services/ledgers/{kind}.xlsx?{period}", READ_A, NOTHING)
    for model, pk in (("residentunit", unit), ("serviceteam", svc["team_a"].pk), ("activity", activity)):
        found[f"admin {model} list"] = ("get", f"/admin/services/{model}/", READ, NOTHING)
        found[f"admin {model} of A"] = ("get", f"/admin/services/{model}/{pk}/change/", READ_A, NOTHING)
        found[f"admin edit {model} of A"] = ("post", f"/admin/services/{model}/{pk}/change/", WRITE_A, NOTHING)
        found[f"admin {model} add"] = ("get", f"/admin/services/{model}/add/", WRITE, NOTHING)
        found[f"admin {model} import"] = ("get", f"/admin/services/{model}/import/", WRITE, NOTHING)
        found[f"admin {model} confirm import"] = ("post", f"/admin/services/{model}/process_import/", WRITE, NOTHING)
        found[f"admin {model} export"] = ("get", f"/admin/services/{model}/export/", READ, NOTHING)
    return found


_ANY = SimpleNamespace(pk=0)  # the names do not depend on the objects
UNIT_URL_NAMES = list(unit_urls({"a": _ANY}, dict.fromkeys(("unit_a", "agreement_a", "activity_a", "team_a"), _ANY)))


def urls(tree, members):
    a, b = members["a"], members["b"]
    change_a = MemberChange.objects.filter(member=a).first()
    svc = service_objects(tree, members)
    return {
        "import page": (
            "get",
            "/members/import/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "roster template": (
            "get",
            "/members/import/template.xlsx",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "roster of A": (
            "get",
            f"/members/roster.xlsx?org={tree['a'].pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="id phone", secretary_a="id phone"),
        ),
        "ledger of A": (
            "get",
            f"/members/ledger.xlsx?org={tree['a'].pk}&start=2019-01-01",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="id", secretary_a="id"),
        ),
        "changes of A": (
            "get",
            f"/members/changes/?org={tree['a'].pk}&start=2019-01-01",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "dashboard": ("get", "/dashboard/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200), NOTHING),
        "dashboard of A": (
            "get",
            f"/dashboard/?org={tree['a'].pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "dashboard export of A": (
            "get",
            f"/dashboard/export.xlsx?org={tree['a'].pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        # name: (method, url, {role: expected status}, {role: full numbers the response may show})
        "home": ("get", "/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200), NOTHING),
        "members": (
            "get",
            "/members/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            dict(street="phone", secretary_a="phone", secretary_b="phone"),
        ),
        "members export": (
            "get",
            "/members/export.xlsx",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            dict(street="id phone", secretary_a="id phone", secretary_b="id phone"),
        ),
        "member page A": (
            "get",
            f"/members/{a.pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="phone", secretary_a="phone"),
        ),
        "member page B": (
            "get",
            f"/members/{b.pk}/",
            dict(street=200, secretary_a=404, secretary_b=200, viewer_a=404),
            dict(street="phone", secretary_b="phone"),
        ),
        "member print A": (
            "get",
            f"/members/{a.pk}/print/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="id phone", secretary_a="id phone"),
        ),
        "member edit A": (
            "get",
            f"/members/{a.pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            dict(street="phone", secretary_a="phone"),
        ),
        "member save A": (
            "post",
            f"/members/{a.pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "reveal id A": (
            "post",
            f"/members/{a.pk}/reveal-id/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            dict(street="id", secretary_a="id"),
        ),
        "transfer out A": (
            "get",
            f"/members/{a.pk}/changes/transfer_out/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "log transfer out A": (
            "post",
            f"/members/{a.pk}/changes/transfer_out/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "new member": (
            "get",
            "/members/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "id check": (
            "post",
            "/members/check-id/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "tree A": (
            "get",
            f"/organizations/{tree['a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "roster A": (
            "get",
            f"/organizations/{tree['a1'].pk}/roster/print/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="phone", secretary_a="phone"),
        ),
        "new group in A": (
            "get",
            f"/organizations/{tree['a1'].pk}/new/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "rename A1": (
            "post",
            f"/organizations/{tree['a1'].pk}/rename/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "move A1g1": (
            "get",
            f"/organizations/{tree['a1g1'].pk}/move/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "dissolve A1g1": (
            "get",
            f"/organizations/{tree['a1g1'].pk}/dissolve/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "picker options": (
            "get",
            "/organizations/options/?level=branch",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "admin index": ("get", "/admin/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200), NOTHING),
        "member list": (
            "get",
            "/admin/members/member/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            dict(street="phone", secretary_a="phone", secretary_b="phone"),
        ),
        "member of A": (
            "get",
            f"/admin/members/member/{a.pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            dict(street="phone", secretary_a="phone"),
        ),
        "member of B": (
            "get",
            f"/admin/members/member/{b.pk}/change/",
            dict(street=200, secretary_a=404, secretary_b=200, viewer_a=404),
            dict(street="phone", secretary_b="phone"),
        ),
        "edit member of A": (
            "post",
            f"/admin/members/member/{a.pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "member add": (
            "get",
            "/admin/members/member/add/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "change list": (
            "get",
            "/admin/members/memberchange/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "change of A": (
            "get",
            f"/admin/members/memberchange/{change_a.pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "change add": (
            "get",
            "/admin/members/memberchange/add/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "organization list": (
            "get",
            "/admin/organizations/organization/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "community A": (
            "get",
            f"/admin/organizations/organization/{tree['a'].pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit community A": (
            "post",
            f"/admin/organizations/organization/{tree['a'].pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "street": (
            "get",
            f"/admin/organizations/organization/{tree['street'].pk}/change/",
            dict(street=200, secretary_a=404, secretary_b=404, viewer_a=404),
            NOTHING,
        ),
        "organization add": (
            "get",
            "/admin/organizations/organization/add/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "activities": (
            "get",
            "/services/activities/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "activities of A": (
            "get",
            f"/services/activities/?org={tree['a'].pk}&start=2024-01-01&end=2024-12-31",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "new activity": (
            "get",
            "/services/activities/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "save new activity": (
            "post",
            "/services/activities/new/",
            dict(street=400, secretary_a=400, secretary_b=400, viewer_a=403),
            NOTHING,
        ),
        "participant search": (
            "post",
            "/services/activities/member-search/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "participant row": (
            "post",
            "/services/activities/participant-row/",
            dict(street=404, secretary_a=404, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "activity A": (
            "get",
            f"/services/activities/{svc['activity_a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit activity A": (
            "get",
            f"/services/activities/{svc['activity_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "save activity A": (
            "post",
            f"/services/activities/{svc['activity_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "participants of A": (
            "get",
            f"/services/activities/{svc['activity_a'].pk}/participants/?source=sign_in",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "save participants of A": (
            "post",
            f"/services/activities/{svc['activity_a'].pk}/participants/",
            dict(street=400, secretary_a=400, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "sign-in sheet A": (
            "get",
            f"/services/activities/{svc['activity_a'].pk}/sign-in-sheet/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "teams": (
            "get",
            "/services/teams/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "new team": (
            "get",
            "/services/teams/new/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
            NOTHING,
        ),
        "team A": (
            "get",
            f"/services/teams/{svc['team_a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit team A": (
            "get",
            f"/services/teams/{svc['team_a'].pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "join team A": (
            "post",
            f"/services/teams/{svc['team_a'].pk}/join/",
            dict(street=400, secretary_a=400, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "leave team A": (
            "get",
            f"/services/teams/{svc['team_a'].pk}/members/{svc['membership_a'].pk}/leave/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "service entry list": (
            "get",
            "/admin/services/serviceentry/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
            NOTHING,
        ),
        "service entry of A": (
            "get",
            f"/admin/services/serviceentry/{svc['entry_a'].pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
            NOTHING,
        ),
        "edit service entry of A": (
            "post",
            f"/admin/services/serviceentry/{svc['entry_a'].pk}/change/",
            dict(street=403, secretary_a=403, secretary_b=404, viewer_a=403),
            NOTHING,
        ),
        "service entry add": (
            "get",
            "/admin/services/serviceentry/add/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "audit log": (
            "get",
            "/admin/portal/auditentry/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "accounts": (
            "get",
            "/admin/portal/user/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "roles": (
            "get",
            "/admin/organizations/role/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "email addresses": (
            "get",
            "/admin/account/emailaddress/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        "background jobs": (
            "get",
            "/admin/django_tasks_database/dbtaskresult/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
            NOTHING,
        ),
        **unit_urls(tree, svc),
    }


URL_NAMES = [
    "import page",
    "roster template",
    "roster of A",
    "ledger of A",
    "changes of A",
    "dashboard",
    "dashboard of A",
    "dashboard export of A",
    "members",
    "members export",
    "member page A",
    "member page B",
    "member print A",
    "member edit A",
    "member save A",
    "reveal id A",
    "transfer out A",
    "log transfer out A",
    "new member",
    "id check",
    "tree A",
    "roster A",
    "new group in A",
    "rename A1",
    "move A1g1",
    "dissolve A1g1",
    "picker options",
    "home",
    "admin index",
    "member list",
    "member of A",
    "member of B",
    "edit member of A",
    "member add",
    "change list",
    "change of A",
    "change add",
    "organization list",
    "community A",
    "edit community A",
    "street",
    "organization add",
    "activities",
    "activities of A",
    "new activity",
    "save new activity",
    "participant search",
    "participant row",
    "activity A",
    "edit activity A",
    "save activity A",
    "participants of A",
    "save participants of A",
    "sign-in sheet A",
    "teams",
    "new team",
    "team A",
    "edit team A",
    "join team A",
    "leave team A",
    "service entry list",
    "service entry of A",
    "edit service entry of A",
    "service entry add",
    "audit log",
    "accounts",
    "roles",
    "email addresses",
    "background jobs",
    *UNIT_URL_NAMES,
]


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, tree, users, members, name, role):
    method, url, expected, full = urls(tree, members)[name]
    if role != "anonymous":
        client.force_login(users[role])
    response = getattr(client, method)(url, {} if method == "get" else {"name": "x"}, follow=role == "anonymous")
    if role == "anonymous":
        assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")
        assert response.status_code == 200 and "用户名或手机号" in response.content.decode()
    else:
        assert response.status_code == expected[role], f"{name} as {role}"
        shown = full_numbers_in(response_text(response), members.values())
        assert shown == set(full.get(role, "").split()), f"{name} as {role} shows {shown}"


def full_numbers_in(text, members):
    return {"id" for m in members if m.id_number in text} | {"phone" for m in members if m.phone in text}


def test_the_superuser_sees_the_audit_log(client, users):
    client.force_login(users["superuser"])
    assert client.get("/admin/portal/auditentry/").status_code == 200


def test_the_matrix_covers_every_admin_model(client, users):
    from django.contrib import admin

    covered = {
        "members.member",
        "members.memberchange",
        "organizations.organization",
        "portal.auditentry",
        "portal.user",
        "organizations.role",
        "account.emailaddress",
        "django_tasks_database.dbtaskresult",
        "services.serviceentry",
        "services.residentunit",
        "services.serviceteam",
        "services.activity",
    }
    assert {model._meta.label_lower for model in admin.site._registry} == covered
