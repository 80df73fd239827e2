"""Values read from a query string, never failing: a bad one is answered, not a server error.

``date_param`` gives a date or None and, for a value given but unusable, a message: pages show
it and carry on with their default; downloads raise ``BadParameter``, which the portal's 400 page
shows. ``pk_or_none`` takes only plain digits: ``str.isdigit`` also accepts '²', which no
database accepts as a number.
"""

import datetime
import secrets

from django.core.exceptions import BadRequest
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

# Nothing in a Party register is older; far older days also break the month arithmetic of trends.
EARLIEST_DAY = datetime.date(1921, 7, 1)
LATEST_DAY = datetime.date(2099, 12, 31)
MAX_PK = 2**63 - 1  # the largest BigAutoField; larger numbers are refused by PostgreSQL


class BadParameter(BadRequest):
    """A query parameter the portal refuses; its message, in Chinese, is shown to the user."""


def pk_or_none(value):
    value = str(value or "")
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_PK:
        return int(value)
    return None


def date_or_none(text):
    """The YYYY-MM-DD date in ``text`` between EARLIEST_DAY and LATEST_DAY, or None."""
    try:
        day = parse_date(str(text or "").strip())
    except ValueError:  # well-formed but impossible: 2024-02-30
        return None
    if day is None or not EARLIEST_DAY <= day <= LATEST_DAY:
        return None
    return day


def date_param(request, name):
    """(the ``?name=`` date or None, a message when a value was given but is not a usable date)."""
    text = request.GET.get(name, "")
    day = date_or_none(text)
    if day is not None or not text.strip():
        return day, None
    return None, _("日期“%(text)s”无效：请填写 %(first)s 至 %(last)s 之间的日期，格式如 2025-01-31。") % {
        "text": text[:20],
        "first": f"{EARLIEST_DAY:%Y-%m-%d}",
        "last": f"{LATEST_DAY:%Y-%m-%d}",
    }


def strict_date_param(request, name):
    """The ``?name=`` date or None when absent; a download refuses a bad one with a 400."""
    day, problem = date_param(request, name)
    if problem:
        raise BadParameter(problem)
    return day


# -- search terms kept out of URLs ------------------------------------------------------------------
# What someone types into a search box can be a full ID number, a phone number or a name: personal
# data that a URL would leave in the browser's history, in bookmarks, in Referer headers and in the
# access logs of every proxy on the way. So a search form is posted, the term is kept in the user's
# session, and the URL carries only a random key for it (``?s=``), which means nothing elsewhere.
SEARCH_KEY = "s"
_STASH = "portal_search_terms"
_STASH_SIZE = 50


def stash_search(request, term):
    """The key under which ``term`` is kept in the session (the same key for the same term)."""
    terms = request.session.get(_STASH, {})
    for key, value in terms.items():
        if value == term:
            return key
    key = secrets.token_urlsafe(6)
    terms[key] = term
    request.session[_STASH] = dict(list(terms.items())[-_STASH_SIZE:])
    return key


def stashed_search(request, key):
    """The term kept under ``key`` in this session, or None (another session's key, or an old one)."""
    return request.session.get(_STASH, {}).get(key)
