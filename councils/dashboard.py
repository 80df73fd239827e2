"""The meetings' figures on the street committee's dashboard (registered in councils/portal_parts.py):
for the selected organization and each child, the periods of the date's year that ended without
the meetings the rules require, quarter by quarter, with the compliance page to drill down.

The judgement (``councils.compliance.judge``) reads a fixed number of grouped queries whatever the
number of branches or meetings, once per page; the portal caches the page per data version.
"""

from councils.compliance import judge
from councils.home import MISSED

QUARTERS = (1, 2, 3, 4)


def judgement(board):
    return board.shared(
        "councils.judgement", lambda: judge(board.scope, board.day.year, board.day, day_over=not board.is_today)
    )


def missed(board):
    """{organization id: Counter(quarter or "year": missed periods)} of the board's rows."""

    def compute():
        ids = [node.pk for node in (board.outline.node, *board.outline.children)]
        return judgement(board).missed_by(ids)

    return board.shared("councils.missed", compute)


def missed_in(key):
    """A column's value: missed periods of one quarter (or of the yearly rules)."""
    return lambda board, pk: missed(board)[pk][key]


def missed_total(board, pk):
    return sum(missed(board)[pk].values())


def row_attention(board, pk):
    """The dashboard rows' attention count, from the page's own judgement."""
    return {MISSED: missed_total(board, pk)}


def buttons(board):
    return {"org": board.scope, "year": board.day.year}
