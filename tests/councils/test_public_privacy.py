"""Every public page of 社区议事园, reached by following its links from /yishi/ on the demo street (and
each plan's page with a refused comment), shows no name, phone number or ID number of anyone on the
register, nor the names of the councils' members."""

import datetime
import re
from collections import deque

import pytest

from councils.models import AgendaItem, Comment, CouncilMember, Step
from members.models import Member
from portal import demo

LINK = re.compile(r'href="(/yishi/[^"#?]*)')


@pytest.fixture
def demo_street(db):
    demo.seed(seed=5, today=datetime.date.today(), communities=3, per_community=40)


def crawl(client):
    """{url: html} of every page reachable from /yishi/ by its links (photos and other files left out)."""
    pages, queue = {}, deque(["/yishi/"])
    while queue:
        url = queue.popleft()
        if url in pages:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        if not response["Content-Type"].startswith("text/html"):
            pages[url] = ""
            continue
        pages[url] = response.content.decode()
        queue.extend(link for link in LINK.findall(pages[url]) if link not in pages)
    return {url: html for url, html in pages.items() if html}


def test_no_public_page_shows_anything_of_the_register(client, demo_street):
    pages = crawl(client)
    public = AgendaItem.objects.public()
    assert public.filter(step=Step.CONSULT).exists() and public.filter(step=Step.DONE).exists()
    for item in public:  # every published item was reached
        assert f"/yishi/{item.organization_id}/items/{item.pk}/" in pages
    assert any("莫让社区变农庄" in html for html in pages.values())
    assert Comment.objects.filter(status=Comment.Status.SHOWN).exists()
    # A plan's page redrawn with a refused comment, and with the limit reached.
    for item in public.filter(step=Step.CONSULT):
        url = f"/yishi/{item.organization_id}/items/{item.pk}/comment/"
        pages[url] = client.post(url, {"body": ""}).content.decode()
    assert len(Member.objects.all()) == 120
    assert scan(pages) == []


def scan(pages):
    """(url, value) for each name, phone or ID number of the register (or a council member's name)
    found in the pages."""
    people = list(Member.objects.values_list("name", "phone", "id_number"))
    representatives = list(CouncilMember.objects.exclude(name="").values_list("name", flat=True))
    assert representatives
    found = []
    for url, html in pages.items():
        for name, phone, id_number in people:
            found += [(url, value) for value in (name, phone, id_number) if value and value in html]
        found += [(url, name) for name in representatives if name in html]
    return found


def test_the_scan_finds_a_name_when_one_is_shown(client, demo_street):
    item = AgendaItem.objects.public().filter(step=Step.CONSULT).first()
    member = Member.objects.filter(organization__path__startswith=item.organization.path).exclude(phone="").first()
    Comment.objects.create(item=item, body=f"{member.name}家{member.phone}", status=Comment.Status.SHOWN)
    url = f"/yishi/{item.organization_id}/items/{item.pk}/"
    found = scan({url: client.get(url).content.decode()})
    assert (url, member.name) in found and (url, member.phone) in found
