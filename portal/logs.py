"""Log lines the portal writes: one formatter, the request id on every line, no ID or mobile number.

Personal data must not reach a log file, whatever wrote the line (an error message can quote a
database row, a path can hold what someone typed), so the formatter masks anything shaped like an
ID number or a mobile number in the finished line.
"""

import contextvars
import json
import logging
import re

_request_id = contextvars.ContextVar("request_id", default="-")

# 18-character ID numbers (and 15-digit old ones), mainland mobile numbers; not inside a longer word
# such as a request id.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9A-Za-z])")


def current_request_id():
    return _request_id.get()


def set_request_id(value):
    """Make ``value`` the request id of the lines logged from here on; returns a token to reset it."""
    return _request_id.set(value)


def reset_request_id(token):
    _request_id.reset(token)


def mask_personal_data(text):
    return _MOBILE.sub("<mobile>", _ID_NUMBER.sub("<id-number>", text))


class PortalFormatter(logging.Formatter):
    """``json=True``: one JSON object per line (production); plain text otherwise (development).

    A record's ``fields`` (``extra={"fields": {...}}``) become keys of the JSON object.
    """

    def __init__(self, json=False):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        self.json = json

    def format(self, record):
        # Django logs a 4xx/5xx after the middleware has returned; the request it passes still has the id.
        request_id = getattr(getattr(record, "request", None), "request_id", None)
        record.request_id = getattr(record, "request_id", None) or request_id or current_request_id()
        if self.json:
            line = {
                "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                "level": record.levelname,
                "logger": record.name,
                "request_id": record.request_id,
                "message": record.getMessage(),
                **getattr(record, "fields", {}),
            }
            if record.exc_info:
                line["exception"] = self.formatException(record.exc_info)
            text = json.dumps(line, ensure_ascii=False, default=str)
        else:
            text = super().format(record)
        return mask_personal_data(text)
