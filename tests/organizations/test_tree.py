import datetime

import pytest
from django.core.exceptions import ValidationError

from members.models import Member, Status, subtree_counts
from organizations.models import Organization, OrganizationEvent, TreeAsOf
from tests.conftest import make_org, new_member

Kind = Organization.Kind


def test_it_refuses_a_parent_of_the_wrong_kind(tree):
    with pytest.raises(ValidationError) as error:
        make_org(tree["a"], "错位小组", Kind.GROUP)
    assert error.value.message_dict["parent"] == ["党小组的上级必须是党支部。"]
    assert not Organization.objects.filter(name="错位小组").exists()


def test_a_community_needs_a_level_and_a_branch_its_kind(tree):
    with pytest.raises(ValidationError) as error:
        Organization.establish(tree["street"], name="丙社区", kind=Kind.COMMUNITY)
    assert "level" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Organization.establish(tree["a"], name="丙支部", kind=Kind.BRANCH)
    assert "branch_kind" in error.value.message_dict


def test_a_whole_subtree_is_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = {org.name for org in Organization.objects.under(tree["a"])}
    assert names == {"甲社区党支部", "甲第一支部", "甲第二支部", "甲1号楼小组", "甲2号楼小组"}


def test_moving_a_branch_keeps_the_past_tree(tree):
    a2, b = tree["a2"], tree["b"]
    a2.move_to(b, datetime.date(2022, 6, 1))
    a2.refresh_from_db()
    assert Organization.objects.get_parent(a2) == b
    assert Organization.objects.under(b).filter(pk=a2.pk).exists()
    before, after = TreeAsOf(datetime.date(2022, 5, 31)), TreeAsOf(datetime.date(2022, 6, 1))
    assert a2.pk in before.subtree_ids(tree["a"].pk) and a2.pk not in before.subtree_ids(b.pk)
    assert a2.pk in after.subtree_ids(b.pk) and a2.pk not in after.subtree_ids(tree["a"].pk)
    event = OrganizationEvent.objects.get(organization=a2, kind=OrganizationEvent.Kind.MOVED)
    assert (event.old_parent, event.new_parent) == (tree["a"], b)


def test_renaming_keeps_the_old_name_for_the_past(tree):
    tree["a1"].rename("甲幸福里支部", datetime.date(2023, 1, 1))
    assert Organization.objects.get(pk=tree["a1"].pk).name == "甲幸福里支部"
    assert TreeAsOf(datetime.date(2022, 12, 31)).name[tree["a1"].pk] == "甲第一支部"
    assert TreeAsOf(datetime.date(2023, 1, 1)).name[tree["a1"].pk] == "甲幸福里支部"


def test_a_move_may_not_leave_the_street_or_go_below_itself(tree):
    other_street = make_org(None, "另一街道", Kind.STREET)
    other_community = make_org(other_street, "丙社区", Kind.COMMUNITY)
    with pytest.raises(ValidationError) as error:
        tree["a1"].move_to(other_community, datetime.date(2023, 1, 1))
    assert "本街道" in error.value.message_dict["parent"][0]
    with pytest.raises(ValidationError):
        tree["a1g1"].move_to(tree["a"], datetime.date(2023, 1, 1))  # a group under a community
    assert Organization.objects.get_parent(tree["a1"]) == tree["a"]


def test_a_future_or_out_of_order_event_date_is_refused(tree):
    with pytest.raises(ValidationError) as error:
        tree["a1"].rename("新名", datetime.date.today() + datetime.timedelta(days=1))
    assert error.value.message_dict["effective_date"] == ["生效日期不能晚于今天。"]
    tree["a1"].rename("新名", datetime.date(2023, 1, 1))
    with pytest.raises(ValidationError):
        tree["a1"].rename("更新名", datetime.date(2022, 1, 1))
    assert Organization.objects.get(pk=tree["a1"].pk).name == "新名"


def test_an_organization_with_members_cannot_be_dissolved(tree):
    new_member(tree["a1g1"])
    with pytest.raises(ValidationError):
        tree["a1g1"].dissolve(datetime.date(2024, 1, 1))
    tree["a1g2"].dissolve(datetime.date(2024, 1, 1))
    assert Organization.objects.get(pk=tree["a1g2"].pk).dissolved_on == datetime.date(2024, 1, 1)
    assert tree["a1g2"].pk not in TreeAsOf(datetime.date(2024, 1, 1)).alive
    assert tree["a1g2"].pk in TreeAsOf(datetime.date(2023, 12, 31)).alive


def _counts(org):
    return subtree_counts([org], Member.objects.current())[org.pk]


def test_branch_rule_warnings(tree):
    a1 = tree["a1"]
    new_member(tree["a1g1"], "甲一")
    new_member(tree["a1g2"], "甲二")
    new_member(
        tree["a1g2"],
        "甲三",
        status=Status.PROBATIONARY,
        kind="admission",
        on=datetime.date(2025, 1, 1),
        joined=datetime.date(2025, 1, 1),
    )
    assert _counts(a1) == (3, 2)
    assert any("少于3名" in warning for warning in a1.rule_warnings(*_counts(a1)))
    assert a1.rule_warnings(51, 10) == ["党员51名，超过50名，宜分设支部。", "正式党员10名，7名以上应设支部委员会。"]
    a1.has_committee = True
    assert a1.rule_warnings(30, 10) == []


def test_community_level_must_match_its_size(tree):
    community = tree["a"]  # level: branch
    assert community.rule_warnings(49, 49) == []
    assert "社区党总支" in community.rule_warnings(50, 50)[0]
    community.level = Organization.Level.GENERAL_BRANCH
    assert "社区党委" in community.rule_warnings(100, 100)[0]
    assert "社区党支部" in community.rule_warnings(20, 20)[0]
