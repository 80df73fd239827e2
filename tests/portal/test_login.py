from tests.conftest import PASSWORD


def test_it_logs_in_with_the_username(client, users):
    response = client.post("/accounts/login/", {"login": "sec_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").context["user"] == users["secretary_a"]


def test_it_logs_in_with_the_phone_number_typed_with_spaces(client, users):
    response = client.post("/accounts/login/", {"login": "139 0000 0001", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == users["secretary_a"]


def test_a_wrong_password_is_refused_in_chinese(client, users):
    response = client.post("/accounts/login/", {"login": "13900000001", "password": "wrong"})
    assert response.status_code == 200
    assert "不正确" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_there_is_no_public_sign_up(client, db):
    page = client.get("/accounts/signup/")
    assert "当前已关闭注册" in page.content.decode()
    client.post("/accounts/signup/", {"username": "intruder", "password1": "Aa123456!x", "password2": "Aa123456!x"})
    from portal.models import User

    assert not User.objects.filter(username="intruder").exists()


def test_password_reset_sends_a_mail(client, users, mailoutbox):
    users["secretary_a"].email = "sec_a@example.com"
    users["secretary_a"].save()
    response = client.post("/accounts/password/reset/", {"email": "sec_a@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and "sec_a@example.com" in mailoutbox[0].to


def test_the_home_page_shows_figures_for_the_users_scope(client, users, members):
    client.force_login(users["secretary_a"])
    page = client.get("/").content.decode()
    assert "甲社区党支部" in page and "乙社区党支部" not in page
    assert "在册党员 <strong>1</strong> 名" in page
    page = client.get("/", {"date": "2019-06-01"}).content.decode()
    assert "在册党员 <strong>0</strong> 名" in page


def test_an_impossible_date_falls_back_to_today(client, users, members):
    client.force_login(users["street"])
    response = client.get("/", {"date": "2024-02-30"})
    assert response.status_code == 200 and "在册党员 <strong>2</strong> 名" in response.content.decode()
