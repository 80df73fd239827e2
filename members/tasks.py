"""Background jobs of the register: roster files too large to check or write within a request."""

import logging

from django.utils.translation import gettext as _
from django_tasks import task

from members.imports import run_batch
from members.models import ImportBatch
from portal.models import User

logger = logging.getLogger(__name__)


@task()
def run_import_batch(batch_id, commit, user_id):
    """Check (or write) a stored batch in the worker; its progress and result are on the batch."""
    user = User.objects.filter(pk=user_id).first()
    try:
        run_batch(batch_id, commit=commit, actor=user)
    except Exception:  # the transaction rolled back: say so on the page, and let the task fail
        logger.exception("roster import %s failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatch.Status.FAILED, message=_("导入出错，未写入任何数据。")
        )
        raise
