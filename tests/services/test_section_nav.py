"""Every services list page leads to the other parts of the services (no part is reached only by URL)."""

import re

import pytest

PAGES = {
    "activities": "/services/activities/",
    "teams": "/services/teams/",
    "in_service": "/services/in-service/",
    "visits": "/services/visits/",
    "units": "/services/units/",
    "ledgers": "/services/ledgers/",
}


@pytest.mark.parametrize("section", PAGES)
def test_it_links_every_part_and_marks_the_one_it_is_in(client, users, tree, section):
    client.force_login(users["secretary_a"])
    page = client.get(PAGES[section], {"org": tree["a"].pk}).content.decode()
    nav = re.search(r'<nav class="buttons section-nav".*?</nav>', page, re.S).group(0)
    for path in PAGES.values():
        assert f'href="{path}?org={tree["a"].pk}"' in nav
    current = re.findall(r'href="([^"?]+)\?[^"]*" aria-current="true"', nav)
    assert current == [PAGES[section]]
