import datetime

from members.models import Member, MemberChange
from organizations.models import Organization, OrganizationEvent, TreeAsOf
from portal.models import AuditEntry
from tests.conftest import new_member

D = datetime.date


def test_the_tree_page_shows_counts_and_warnings(client, users, tree):
    new_member(tree["a1g1"], "甲一")
    client.force_login(users["secretary_a"])
    page = client.get(f"/organizations/{tree['a'].pk}/").content.decode()
    assert "甲第一支部" in page and "甲1号楼小组" in page and "乙第一支部" not in page
    assert "1（1）" in page and "正式党员仅1名" in page


def test_another_communitys_tree_is_not_found(client, users, tree):
    client.force_login(users["secretary_b"])
    assert client.get(f"/organizations/{tree['a'].pk}/").status_code == 404
    assert client.post(f"/organizations/{tree['a1'].pk}/rename/", {"name": "x"}).status_code == 404


def test_a_viewer_cannot_change_the_tree(client, users, tree):
    client.force_login(users["viewer_a"])
    assert client.get(f"/organizations/{tree['a'].pk}/").status_code == 200
    assert client.post(f"/organizations/{tree['a1'].pk}/rename/", {"name": "x"}).status_code == 403


def test_create_a_group_under_a_branch(client, users, tree):
    client.force_login(users["secretary_a"])
    response = client.post(
        f"/organizations/{tree['a1'].pk}/new/", {"name": "甲3号楼小组", "established_on": "2024-01-01"}
    )
    assert response.status_code == 302
    group = Organization.objects.get(name="甲3号楼小组")
    assert group.kind == "group" and Organization.objects.get_parent(group) == tree["a1"]
    assert AuditEntry.objects.filter(action="organization", object_id=str(group.pk)).exists()


def test_rename_with_a_date(client, users, tree):
    client.force_login(users["secretary_a"])
    client.post(f"/organizations/{tree['a1'].pk}/rename/", {"name": "甲幸福支部", "effective_date": "2024-01-01"})
    assert Organization.objects.get(pk=tree["a1"].pk).name == "甲幸福支部"
    assert TreeAsOf(D(2023, 12, 31)).name[tree["a1"].pk] == "甲第一支部"


def test_moving_a_group_to_another_branch_takes_its_members(client, users, tree):
    member = new_member(tree["a1g1"], "甲一")
    client.force_login(users["secretary_a"])
    response = client.post(
        f"/organizations/{tree['a1g1'].pk}/move/", {"parent": tree["a2"].pk, "effective_date": "2024-01-01"}
    )
    assert response.status_code == 302
    group = Organization.objects.get(pk=tree["a1g1"].pk)
    assert Organization.objects.get_parent(group) == tree["a2"]
    assert Member.objects.current().under(tree["a2"]).get() == member
    assert OrganizationEvent.objects.filter(organization=group, kind="moved").exists()


def test_a_future_move_is_refused_next_to_the_date(client, users, tree):
    client.force_login(users["secretary_a"])
    tomorrow = (D.today() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        f"/organizations/{tree['a1g1'].pk}/move/", {"parent": tree["a2"].pk, "effective_date": tomorrow}
    )
    assert response.context["form"].errors["effective_date"] == ["生效日期不能晚于今天。"]


def test_dissolving_a_group_moves_its_members_each_logged(client, users, tree):
    one, two = new_member(tree["a1g1"], "甲一"), new_member(tree["a1g1"], "甲二")
    client.force_login(users["secretary_a"])
    url = f"/organizations/{tree['a1g1'].pk}/dissolve/"
    response = client.post(url, {"effective_date": "2024-01-01"})
    assert "请选择调整去向" in response.content.decode()
    assert Organization.objects.get(pk=tree["a1g1"].pk).dissolved_on is None
    response = client.post(url, {"effective_date": "2024-01-01", "move_members_to": tree["a1g2"].pk})
    assert response.status_code == 302
    assert Organization.objects.get(pk=tree["a1g1"].pk).dissolved_on == D(2024, 1, 1)
    for member in (one, two):
        member.refresh_from_db()
        assert member.organization == tree["a1g2"]
        assert member.changes.filter(kind=MemberChange.Kind.MOVE, from_organization=tree["a1g1"]).exists()


def test_a_branch_with_groups_must_lose_them_first(client, users, tree):
    client.force_login(users["secretary_a"])
    response = client.post(f"/organizations/{tree['a1'].pk}/dissolve/", {"effective_date": "2024-01-01"})
    assert "请先撤销或转移下级组织" in response.content.decode()
