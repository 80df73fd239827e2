"""Who reads the notes of a care visit: one rule, ``CareVisit.notes_visible_to``."""

import datetime

from organizations.models import Role
from services.models import CareVisit
from tests.conftest import make_user


def visit(org, member, sensitive):
    return CareVisit.objects.create(
        organization=org,
        member=member,
        reason=CareVisit.Reason.DISCONTENTED,
        visited_on=datetime.date(2024, 5, 1),
        notes="对拆迁补偿有意见",
        sensitive=sensitive,
    )


def readers(visit, users):
    return {name for name, user in users.items() if visit.notes_visible_to(user)}


def test_sensitive_notes_are_for_the_communitys_secretary_and_street_staff_only(tree, users, members):
    users["viewer_a1"] = make_user("viewer_a1", Role.Kind.VIEWER, tree["a1"])
    by_community = visit(tree["a"], members["a"], sensitive=True)
    assert readers(by_community, users) == {"street", "secretary_a", "superuser"}
    by_branch = visit(tree["a1"], members["a"], sensitive=True)
    assert readers(by_branch, users) == {"street", "secretary_a", "superuser"}  # not its own branch secretary


def test_other_notes_are_for_whoever_may_see_the_visit(tree, users, members):
    users["viewer_a1"] = make_user("viewer_a1", Role.Kind.VIEWER, tree["a1"])
    everyone_in_a = {"street", "secretary_a", "viewer_a", "superuser"}
    assert readers(visit(tree["a"], members["a"], sensitive=False), users) == everyone_in_a
    by_branch = visit(tree["a1"], members["a"], sensitive=False)
    assert readers(by_branch, users) == everyone_in_a | {"branch_a1", "viewer_a1"}
    assert readers(visit(tree["b"], members["b"], sensitive=False), users) == {"street", "secretary_b", "superuser"}
