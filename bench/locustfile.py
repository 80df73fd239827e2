"""Load: secretaries and street staff at work — member list, searches, member pages, change forms,
the dashboard and the home page. Run by bench/load.py against a loopback server only."""

import random
import re

from locust import HttpUser, between, task

PASSWORD = "Dangjian-2026"
ACCOUNTS = ["jiedao", "beimen", "xishang", "zhibu", "chakan"]
SURNAMES = "王李张刘陈杨赵黄周吴"


class Secretary(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        self.username = random.choice(ACCOUNTS)
        page = self.client.get("/accounts/login/", name="login page").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        self.client.post(
            "/accounts/login/",
            {"login": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="log in",
        )
        listing = self.client.get("/members/", name="member list").text
        self.members = re.findall(r'href="/members/(\d+)/"', listing) or ["1"]

    @task(4)
    def member_list(self):
        self.client.get(f"/members/?page={random.randint(1, 5)}", name="member list")

    @task(3)
    def search(self):
        self.client.get(f"/members/?q={random.choice(SURNAMES)}", name="search by name")

    @task(4)
    def member_page(self):
        self.client.get(f"/members/{random.choice(self.members)}/", name="member page")

    @task(2)
    def change_form(self):
        if self.username == "chakan":  # the read-only viewer has no change forms
            return self.member_page()
        self.client.get(f"/members/{random.choice(self.members)}/changes/move/", name="change form")

    @task(2)
    def dashboard(self):
        self.client.get("/dashboard/", name="dashboard")

    @task(2)
    def home(self):
        self.client.get("/", name="home")
