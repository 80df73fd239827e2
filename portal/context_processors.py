from portal import registry


def own_organizations(request):
    """The organizations the user's roles sit on, for the heading of a printed page; looked up only
    when a page uses them. An error page may be drawn before anyone is known (a refused host)."""
    return {"own_organizations": lambda: registry.scopes().top(getattr(request, "user", None))}
