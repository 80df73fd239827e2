"""Who may create which organization where in the admin (issue 10, item 8): under a parent the user
may write to, never at the top unless a superuser, and a street only by a superuser."""

import pytest

from organizations.models import Organization, OrganizationEvent

ADD = "/admin/organizations/organization/add/"


def post(client, **fields):
    data = {"name": "新组织", "established_on": "2024-01-01", "parent": "", **fields}
    return client.post(ADD, {key: value for key, value in data.items() if value is not None})


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": "street"}, "只有系统管理员可以新建街道党工委"),
        ({"kind": "community", "level": "branch"}, "请选择上级组织"),
        ({"kind": "branch", "branch_kind": "building"}, "请选择上级组织"),
        ({"kind": "group"}, "请选择上级组织"),
    ],
)
def test_it_refuses_a_secretary_an_organization_without_a_parent(client, users, tree, fields, message):
    before = Organization.objects.count(), OrganizationEvent.objects.count()
    client.force_login(users["secretary_a"])
    response = post(client, **fields)
    assert response.status_code == 200 and message in response.content.decode()
    assert (Organization.objects.count(), OrganizationEvent.objects.count()) == before


def test_it_refuses_street_staff_a_second_street(client, users, tree):
    client.force_login(users["street"])
    response = post(client, kind="street")
    assert "只有系统管理员可以新建街道党工委" in response.content.decode()
    assert Organization.objects.filter(depth=1).count() == 1


def test_it_refuses_a_secretary_a_parent_in_another_community(client, users, tree):
    before = Organization.objects.count()
    client.force_login(users["secretary_a"])
    response = post(client, kind="branch", branch_kind="building", parent=tree["b"].pk)
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    response = post(client, kind="group", parent=tree["b1"].pk)
    assert "选择一个有效的选项" in response.content.decode()
    assert Organization.objects.count() == before


def test_a_secretary_still_creates_a_branch_in_their_community(client, users, tree):
    client.force_login(users["secretary_a"])
    response = post(client, name="甲第三支部", kind="branch", branch_kind="building", parent=tree["a"].pk)
    assert response.status_code == 302
    assert Organization.objects.get_parent(Organization.objects.get(name="甲第三支部")) == tree["a"]


def test_only_a_superuser_creates_a_street(client, users, tree):
    client.force_login(users["superuser"])
    assert post(client, name="新街道党工委", kind="street").status_code == 302
    assert Organization.objects.get(name="新街道党工委").depth == 1


def test_the_admin_filter_takes_only_plain_digits(client, users, tree):
    client.force_login(users["secretary_a"])
    assert client.get("/admin/members/member/", {"org": "²"}).status_code in (200, 302)
