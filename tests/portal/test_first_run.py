"""A new district's first run: createsuperuser, then create_street, then work."""

import pytest

from portal.models import User
from tests.conftest import PASSWORD


@pytest.fixture
def first_admin(db):
    return User.objects.create_superuser("xiaowang", "", PASSWORD)


def test_the_first_admin_is_told_how_to_start(client, first_admin):
    client.force_login(first_admin)
    page = client.get("/").content.decode()
    assert "第一次使用" in page
    assert 'manage.py create_street "某某街道党工委" --admin xiaowang --communities 社区名单.txt' in page
    assert 'href="/admin/organizations/organization/add/"' in page


def test_an_account_without_a_role_is_told_whom_to_ask(client, tree):
    client.force_login(User.objects.create_user("newcomer", password=PASSWORD))
    page = client.get("/").content.decode()
    assert "尚未分配组织角色" in page and "create_street" not in page
