"""Login protection: wrong passwords lock an account for a while (in Django's shared cache), the admin
has no login of its own, passwords fit a government intranet, idle sessions end with a notice."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from portal.middleware import LAST_SEEN
from portal.models import User
from tests.conftest import PASSWORD

LOCKED = "该账号密码错误次数过多，已暂时锁定"


def log_in(client, login, password):
    return client.post("/accounts/login/", {"login": login, "password": password})


def test_five_wrong_passwords_lock_the_account_whichever_way_it_is_named(client, users):
    for login in ("sec_a", "13900000001", "SEC_A", "139 0000 0001", "sec_a"):
        response = log_in(client, login, "wrong-password")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    response = log_in(client, "sec_a", PASSWORD)  # the right password, too late
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert LOCKED in log_in(client, "13900000001", PASSWORD).content.decode()
    # Other accounts are not locked with it.
    assert log_in(client, "sec_b", PASSWORD).status_code == 302


def test_the_lock_lives_in_the_default_cache_and_ends_with_it(client, users):
    from django.core.cache import cache

    for _ in range(5):
        log_in(client, "sec_a", "wrong-password")
    assert LOCKED in log_in(client, "sec_a", PASSWORD).content.decode()
    cache.clear()  # what 15 minutes do
    assert log_in(client, "sec_a", PASSWORD).status_code == 302


def test_too_many_logins_from_one_address_get_a_chinese_429(client, users, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    for _ in range(3):
        log_in(client, "nobody", "wrong-password")
    response = log_in(client, "sec_a", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "尝试次数过多" in page and "15 分钟后再试" in page and 'lang="zh-Hans"' in page


def test_the_admin_has_no_login_of_its_own(client, users):
    response = client.get("/admin/login/?next=/admin/members/member/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/members/member/"
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "password, problem",
    [
        ("Ab1-short", "至少包含 10 个字符"),
        ("1234567890123", "只包含数字"),
        ("Password123", "太常见"),
        ("zhangsan2026!", "相似"),
        ("abcdefghijkl", "至少 3 种"),
        ("Xq7-long-enough", None),
    ],
)
def test_the_password_rule(db, password, problem):
    user = User(username="zhangsan", first_name="张三")
    if problem is None:
        validate_password(password, user)
        return
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert problem in " ".join(refused.value.messages)


def test_a_weak_new_password_is_refused_in_chinese_and_a_good_one_taken(client, users):
    client.force_login(users["secretary_a"])
    form = {"oldpassword": PASSWORD, "password1": "abcdefghij", "password2": "abcdefghij"}
    page = client.post("/accounts/password/change/", form).content.decode()
    assert "至少 3 种" in page
    form = {"oldpassword": PASSWORD, "password1": "Shequ-Dangjian-7", "password2": "Shequ-Dangjian-7"}
    assert client.post("/accounts/password/change/", form).status_code == 302
    users["secretary_a"].refresh_from_db()
    assert users["secretary_a"].check_password("Shequ-Dangjian-7")


def idle_for(client, seconds):
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def test_an_idle_session_ends_and_the_login_page_says_why(client, users, settings):
    client.force_login(users["secretary_a"])
    idle_for(client, settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get("/members/").status_code == 200
    idle_for(client, settings.SESSION_IDLE_TIMEOUT + 61)
    response = client.get("/members/?standing=all")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/members/%3Fstanding%3Dall"
    page = client.get(response["Location"]).content.decode()
    assert "长时间未操作，已自动退出，请重新登录。" in page
    assert client.get("/members/").status_code == 302  # signed out for good


def test_a_partial_update_of_an_idle_session_sends_the_window_to_the_login_page(client, users, settings):
    client.force_login(users["secretary_a"])
    idle_for(client, settings.SESSION_IDLE_TIMEOUT + 61)
    response = client.post("/members/", {"q": "张"}, headers={"HX-Request": "true", "HX-Target": "results"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/accounts/login/?next=")


def test_asking_how_long_is_left_is_not_activity_but_continuing_is(client, users, settings):
    client.force_login(users["secretary_a"])
    idle_for(client, 600)
    left = client.get("/session/remaining/").json()["remaining"]
    assert settings.SESSION_IDLE_TIMEOUT - 600 <= left <= settings.SESSION_IDLE_TIMEOUT + 60 - 600
    assert client.session[LAST_SEEN] <= time.time() - 600  # unchanged
    assert client.post("/session/keepalive/").json()["remaining"] >= settings.SESSION_IDLE_TIMEOUT
    assert client.session[LAST_SEEN] >= time.time() - 5
    idle_for(client, settings.SESSION_IDLE_TIMEOUT + 61)
    assert client.get("/session/remaining/").json()["remaining"] == 0


def test_the_pages_of_a_signed_in_user_load_the_warning(client, users):
    client.force_login(users["secretary_a"])
    page = client.get("/").content.decode()
    assert '<script src="/static/js/session-timeout.js" defer></script>' in page
    assert 'name="portal-session" data-seconds-left="' in page
    client.logout()
    assert "session-timeout.js" not in client.get("/accounts/login/").content.decode()


def test_the_idle_time_comes_from_the_environment():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DJANGO_SESSION_IDLE_MINUTES": "12"}
    script = "from django.conf import settings; print(settings.SESSION_IDLE_TIMEOUT)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "720"
