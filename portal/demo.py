"""A believable street to try the portal on, built by the steps the apps register (``DemoStep``):
the organization tree builds the street and the accounts, the members app the register with years
of history. ``seed_demo`` runs them in order on one shared random generator, so a seed always gives
the same street.
"""

import datetime
import random

from django.db import transaction

from portal import registry
from portal.models import User

STREET_NAME = "容城街道"
SCALES = {"street": (10, 300), "district": (75, 333)}  # (communities, members per community)
PASSWORD = "Dangjian-2026"


class Demo:
    """What the steps share: the parameters, the random generator, the accounts made (printed by
    ``seed_demo``) and whatever an earlier step leaves for a later one (as attributes)."""

    def __init__(self, seed=2026, scale="street", password=PASSWORD, today=None, communities=None, per_community=None):
        self.seed, self.scale, self.password = seed, scale, password
        self.random = random.Random(seed)
        self.today = today or datetime.date.today()
        default_communities, default_per_community = SCALES[scale]
        self.communities_count = communities or default_communities
        self.per_community = per_community or default_per_community
        self.street_name = STREET_NAME
        # The recorded history starts on 1 January six years ago.
        self.history_start = self.today.replace(year=self.today.year - 6, month=1, day=1)
        self.accounts = []  # (username, phone, title)

    def date_between(self, first, last):
        if last <= first:
            return first
        return first + datetime.timedelta(days=self.random.randint(0, (last - first).days))


@transaction.atomic
def seed(seed=2026, scale="street", password=PASSWORD, today=None, communities=None, per_community=None):
    """Build the demo street unless it exists. Returns (created, accounts, what it holds in words)."""
    demo = Demo(seed, scale, password, today, communities, per_community)
    steps = list(registry.demo_steps)
    created = not exists(demo)
    if created:
        for step in steps:
            step.build(demo)
    return created, demo.accounts, holds(demo)


DEMO_USERNAMES = ["admin", "jiedao", "beimen", "xishang", "zhibu", "chakan"]


def exists(demo=None):
    demo = demo or Demo()
    return any(step.exists(demo) for step in registry.demo_steps if step.exists)


def holds(demo=None):
    """What the demo database holds, in words (each app says its part)."""
    demo = demo or Demo()
    return "，".join(step.describe(demo) for step in registry.demo_steps if step.describe)


def existing_accounts():
    """The demo accounts still in the database, as (username, phone, title), in the usual order."""
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERNAMES)}
    return [(name, users[name].phone, users[name].first_name) for name in DEMO_USERNAMES if name in users]


def default_password_works():
    admin = User.objects.filter(username=DEMO_USERNAMES[0]).first()
    return admin is not None and admin.check_password(PASSWORD)
