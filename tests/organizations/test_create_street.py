"""manage.py create_street: a new district's street, its first account's role and its communities."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from organizations.models import Organization, Role
from portal.models import User
from tests.conftest import PASSWORD


@pytest.fixture
def first_admin(db):
    return User.objects.create_superuser("xiaowang", "", PASSWORD)


def test_create_street_builds_the_street_the_role_and_the_communities(client, first_admin, tmp_path):
    names = tmp_path / "社区名单.txt"
    names.write_text("# 本街道的社区\n北门社区党委\n\n西上社区党总支\n南湖社区党支部\n", encoding="utf-8")
    out = StringIO()
    call_command(
        "create_street", "某某街道党工委", "--admin", "xiaowang", "--communities", str(names), "东关社区", stdout=out
    )
    street = Organization.objects.get(depth=1)
    assert street.name == "某某街道党工委" and street.kind == Organization.Kind.STREET
    communities = {o.name: o.level for o in Organization.objects.filter(kind=Organization.Kind.COMMUNITY)}
    assert communities == {
        "北门社区党委": Organization.Level.COMMITTEE,
        "西上社区党总支": Organization.Level.GENERAL_BRANCH,
        "南湖社区党支部": Organization.Level.BRANCH,
        "东关社区": Organization.Level.BRANCH,
    }
    assert all(o.path.startswith(street.path) and o.depth == 2 for o in Organization.objects.filter(depth__gt=1))
    assert Role.objects.get(user=first_admin).organization == street
    assert Role.objects.get(user=first_admin).kind == Role.Kind.STREET_STAFF
    assert "已建立某某街道党工委" in out.getvalue()
    client.force_login(first_admin)
    page = client.get("/").content.decode()
    assert "第一次使用" not in page and "某某街道党工委" in page


def test_running_it_again_adds_only_what_is_new(first_admin):
    call_command(
        "create_street", "某某街道党工委", "--admin", "xiaowang", "--communities", "北门社区党委", stdout=StringIO()
    )
    out = StringIO()
    call_command(
        "create_street",
        "某某街道党工委",
        "--admin",
        "xiaowang",
        "--communities",
        "北门社区党委",
        "西上社区党委",
        stdout=out,
    )
    assert Organization.objects.filter(depth=1).count() == 1
    assert Organization.objects.filter(kind=Organization.Kind.COMMUNITY).count() == 2
    assert Role.objects.filter(user=first_admin).count() == 1
    assert "已有，未重复建立：北门社区党委" in out.getvalue()


def test_an_unknown_account_is_refused_with_the_way_to_make_it(db):
    with pytest.raises(CommandError, match="createsuperuser"):
        call_command("create_street", "某某街道党工委", "--admin", "nobody")
    assert not Organization.objects.exists()
