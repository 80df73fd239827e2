"""A believable street to try the portal on, built by the steps the apps register (``DemoStep``):
the organization tree builds the street and the accounts, the members app the register with years
of history. ``seed_demo`` runs them in order on one shared random generator, so a seed always gives
the same street.
"""

import datetime
import random

from django.db import transaction

from portal import registry

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
    created = not any(step.exists(demo) for step in steps if step.exists)
    if created:
        for step in steps:
            step.build(demo)
    return created, demo.accounts, "，".join(step.describe(demo) for step in steps if step.describe)
