"""How long an uploaded roster is kept: only as long as it is needed.

An import batch holds the uploaded file (full ID numbers, phones, addresses) between its preview
and its commit. Once the batch is committed, refused or failed the file serves nothing; a batch
previewed and never committed keeps it for KEEP_UPLOADS at most. ``purge_import_files`` empties
what is past that with one UPDATE per rule: production runs it daily (``manage.py
purge_import_files``), and an upload may call it too, so that no file outlives its time where no
daily job was set up.
"""

import datetime

from django.utils import timezone

from members.models import ImportBatch

KEEP_UPLOADS = datetime.timedelta(days=7)
S = ImportBatch.Status
FINISHED = [S.COMMITTED, S.REFUSED, S.FAILED]
EXPIRED = "上传已超过7天仍未导入，上传的文件已按规定删除（不保留个人信息）；如需导入，请重新上传。"


def purge_import_files(now=None):
    """Empty the uploaded file of every batch that no longer needs it; the number emptied."""
    now = now or timezone.now()
    holding = ImportBatch.objects.exclude(file_data=b"")
    # A batch still waiting (or stuck analysing or committing) past its time cannot be committed any more.
    expired = holding.exclude(status__in=FINISHED).filter(uploaded_at__lt=now - KEEP_UPLOADS)
    count = expired.update(file_data=b"", status=S.FAILED, message=EXPIRED)
    return count + holding.filter(status__in=FINISHED).update(file_data=b"")
