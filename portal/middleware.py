"""What every request goes through: a request id and one log line, no caching of pages, idle sign-out."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

from portal.logs import reset_request_id, set_request_id

logger = logging.getLogger("portal.request")

REQUEST_ID_HEADER = "X-Request-ID"
# What the proxy in front sends (nginx's $request_id is 32 hex digits); anything else is replaced.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    """Gives each request an id (the proxy's ``X-Request-ID`` or a new one), returns it in the
    response's ``X-Request-ID`` and writes one line: request id, user id, method, path (never the query
    string, which can hold what someone searched for), status and milliseconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = set_request_id(request.request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            duration = round((time.perf_counter() - started) * 1000)
            fields = {
                "user_id": _user_id(request),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration,
            }
            logger.info(
                "%s %s %s %sms user=%s",
                request.method,
                request.path,
                response.status_code,
                duration,
                fields["user_id"] or "-",
                extra={"fields": fields},
            )
            return response
        finally:
            reset_request_id(token)


def _user_id(request):
    # Only a user the request already looked up: a log line must not cost a session and a user query.
    try:
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
            return None
        return user.pk if user is not None and user.is_authenticated else None
    except Exception:  # the database may be what failed this request
        return None


class NoStoreMiddleware:
    """Nothing the portal itself answers may be kept by a browser or a proxy: pages, exports and
    downloads carry personal data. Static files are answered by WhiteNoise before this runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


# -- sign-out after inactivity ---------------------------------------------------------------------

LAST_SEEN = "portal_last_seen"
IDLE_MESSAGE = "长时间未操作，已自动退出，请重新登录。"


def _stamp_every():
    """The session records activity at most once a minute (a write per request would cost every page
    a database write); a session therefore ends between SESSION_IDLE_TIMEOUT and a minute later."""
    return min(60, settings.SESSION_IDLE_TIMEOUT // 30)


def seconds_left(request):
    """Seconds until the signed-in ``request``'s session ends for inactivity (0 or less: it has)."""
    last = request.session.get(LAST_SEEN)
    if last is None:
        last = int(time.time())
    return settings.SESSION_IDLE_TIMEOUT + _stamp_every() - (int(time.time()) - last)


def record_activity(request, force=False):
    now = int(time.time())
    last = request.session.get(LAST_SEEN)
    if force or last is None or now - last >= _stamp_every():
        request.session[LAST_SEEN] = now


def record_login(sender, request, user, **kwargs):
    """Signing in is activity (and saves the first request after it a session write)."""
    if request is not None and hasattr(request, "session"):
        record_activity(request, force=True)


class IdleTimeoutMiddleware:
    """Signs a user out after ``SESSION_IDLE_TIMEOUT`` seconds without a request, and says so on the
    login page. ``static/js/session-timeout.js`` warns two minutes before; its question "how long is
    left?" (a view marked ``not_activity``) is not itself activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or getattr(view_func, "not_activity", False):
            return None
        if seconds_left(request) <= 0:
            return self._signed_out(request)
        record_activity(request)
        return None

    def _signed_out(self, request):
        logout(request)
        messages.info(request, _(IDLE_MESSAGE))
        next_url = request.get_full_path() if request.method == "GET" else request.path
        if request.headers.get("HX-Request"):  # a partial update: send the whole window to the login page
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(next_url)["Location"]
            return response
        return redirect_to_login(next_url)


def not_activity(view):
    """Marks a view whose requests do not keep a session alive."""
    view.not_activity = True
    return view
