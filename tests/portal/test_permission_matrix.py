"""Every URL × every role: scope violations answer 404, read-only roles 403 on writes."""

import pytest

from members.models import MemberChange

ROLES = ["street", "secretary_a", "secretary_b", "viewer_a", "anonymous"]


def urls(tree, members):
    a, b = members["a"], members["b"]
    change_a = MemberChange.objects.filter(member=a).first()
    return {
        "import page": ("get", "/members/import/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403)),
        "roster template": (
            "get",
            "/members/import/template.xlsx",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
        ),
        "roster of A": (
            "get",
            f"/members/roster.xlsx?org={tree['a'].pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
        ),
        "ledger of A": (
            "get",
            f"/members/ledger.xlsx?org={tree['a'].pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
        ),
        "dashboard": ("get", "/dashboard/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200)),
        "dashboard of A": (
            "get",
            f"/dashboard/?org={tree['a'].pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
        ),
        "dashboard export of A": (
            "get",
            f"/dashboard/export.xlsx?org={tree['a'].pk}",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
        ),
        # name: (method, url, {role: expected status})
        "home": ("get", "/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200)),
        "members": ("get", "/members/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200)),
        "members export": (
            "get",
            "/members/export.xlsx",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
        ),
        "member page A": ("get", f"/members/{a.pk}/", dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200)),
        "member page B": ("get", f"/members/{b.pk}/", dict(street=200, secretary_a=404, secretary_b=200, viewer_a=404)),
        "member print A": (
            "get",
            f"/members/{a.pk}/print/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
        ),
        "member edit A": (
            "get",
            f"/members/{a.pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "member save A": (
            "post",
            f"/members/{a.pk}/edit/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "reveal id A": (
            "post",
            f"/members/{a.pk}/reveal-id/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "transfer out A": (
            "get",
            f"/members/{a.pk}/changes/transfer_out/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "log transfer out A": (
            "post",
            f"/members/{a.pk}/changes/transfer_out/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "new member": ("get", "/members/new/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403)),
        "id check": (
            "get",
            "/members/check-id/?id_number=1",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
        ),
        "tree A": (
            "get",
            f"/organizations/{tree['a'].pk}/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
        ),
        "roster A": (
            "get",
            f"/organizations/{tree['a1'].pk}/roster/print/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
        ),
        "new group in A": (
            "get",
            f"/organizations/{tree['a1'].pk}/new/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "rename A1": (
            "post",
            f"/organizations/{tree['a1'].pk}/rename/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "move A1g1": (
            "get",
            f"/organizations/{tree['a1g1'].pk}/move/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "dissolve A1g1": (
            "get",
            f"/organizations/{tree['a1g1'].pk}/dissolve/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "picker options": (
            "get",
            "/organizations/options/?level=branch",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
        ),
        "admin index": ("get", "/admin/", dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200)),
        "member list": (
            "get",
            "/admin/members/member/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
        ),
        "member of A": (
            "get",
            f"/admin/members/member/{a.pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
        ),
        "member of B": (
            "get",
            f"/admin/members/member/{b.pk}/change/",
            dict(street=200, secretary_a=404, secretary_b=200, viewer_a=404),
        ),
        "edit member of A": (
            "post",
            f"/admin/members/member/{a.pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "member add": (
            "get",
            "/admin/members/member/add/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
        ),
        "change list": (
            "get",
            "/admin/members/memberchange/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
        ),
        "change of A": (
            "get",
            f"/admin/members/memberchange/{change_a.pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
        ),
        "change add": (
            "get",
            "/admin/members/memberchange/add/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
        ),
        "organization list": (
            "get",
            "/admin/organizations/organization/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=200),
        ),
        "community A": (
            "get",
            f"/admin/organizations/organization/{tree['a'].pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=200),
        ),
        "edit community A": (
            "post",
            f"/admin/organizations/organization/{tree['a'].pk}/change/",
            dict(street=200, secretary_a=200, secretary_b=404, viewer_a=403),
        ),
        "street": (
            "get",
            f"/admin/organizations/organization/{tree['street'].pk}/change/",
            dict(street=200, secretary_a=404, secretary_b=404, viewer_a=404),
        ),
        "organization add": (
            "get",
            "/admin/organizations/organization/add/",
            dict(street=200, secretary_a=200, secretary_b=200, viewer_a=403),
        ),
        "audit log": (
            "get",
            "/admin/portal/auditentry/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
        ),
        "accounts": ("get", "/admin/portal/user/", dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403)),
        "roles": ("get", "/admin/portal/role/", dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403)),
        "email addresses": (
            "get",
            "/admin/account/emailaddress/",
            dict(street=403, secretary_a=403, secretary_b=403, viewer_a=403),
        ),
    }


URL_NAMES = [
    "import page",
    "roster template",
    "roster of A",
    "ledger of A",
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
    "audit log",
    "accounts",
    "roles",
    "email addresses",
]


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, tree, users, members, name, role):
    method, url, expected = urls(tree, members)[name]
    if role != "anonymous":
        client.force_login(users[role])
    response = getattr(client, method)(url, {} if method == "get" else {"name": "x"}, follow=role == "anonymous")
    if role == "anonymous":
        assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")
        assert response.status_code == 200 and "用户名或手机号" in response.content.decode()
    else:
        assert response.status_code == expected[role], f"{name} as {role}"


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
        "portal.role",
        "account.emailaddress",
    }
    assert {model._meta.label_lower for model in admin.site._registry} == covered
