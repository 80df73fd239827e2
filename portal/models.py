from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.identity import MOBILE_RE, normalize_phone


class AppendOnly:
    """A record that is never changed or deleted once written (a change log, a ledger): a mistake is
    put right by a new record. Mixed in before ``models.Model``, with the refusals in its words."""

    unchangeable = "记录不可修改。"
    undeletable = "记录不可删除。"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(self.unchangeable)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(self.undeletable)


class User(AbstractUser):
    """A portal account; logs in with its username or its mobile number."""

    phone = models.CharField(
        _("手机号"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        help_text=_("可用手机号代替用户名登录。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def clean(self):
        super().clean()
        if self.phone:
            self.phone = normalize_phone(self.phone)
            if not MOBILE_RE.match(self.phone):
                raise ValidationError({"phone": _("请填写11位手机号。")})
        else:
            self.phone = None  # NULL, not '', so that many accounts may have no phone


class AuditEntry(models.Model):
    """Who did what, when, from where. Written by the portal, never edited."""

    class Action(models.TextChoices):
        MEMBER_CHANGE = "member_change", _("党员变动")
        MEMBER_CREATE = "member_create", _("新建党员档案")
        MEMBER_EDIT = "member_edit", _("修改党员信息")
        REVEAL_ID = "reveal_id", _("查看完整身份证号")
        EXPORT = "export", _("导出")
        ORGANIZATION = "organization", _("组织变更")
        ROLE = "role", _("角色变更")
        IMPORT = "import", _("导入花名册")
        SEARCH = "search", _("按身份证号或电话查询")
        AUDIT_PRUNE = "audit_prune", _("清理审计日志")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("操作人")
    )
    username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=32, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    summary = models.CharField(_("摘要"), max_length=500)
    changes = models.JSONField(_("修改前后"), default=dict, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.summary}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("审计日志不可修改。"))
        super().save(*args, **kwargs)

    @classmethod
    def record(cls, request_or_user, action, obj=None, summary="", changes=None):
        """Write one entry. Accepts a request (user and address taken from it) or a bare user."""
        user, ip = request_or_user, None
        if hasattr(request_or_user, "META"):
            user, ip = request_or_user.user, client_ip(request_or_user)
        if user is not None and not user.is_authenticated:
            user = None
        return cls.objects.create(
            user=user,
            username=user.get_username() if user else "",
            ip_address=ip,
            action=action,
            object_type=obj._meta.label if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            summary=summary[:500],
            changes=changes or {},
        )


def client_ip(request):
    # Only behind a trusted reverse proxy is X-Forwarded-For the browser's address; else it is forged.
    # Its last entry is the one our proxy wrote; earlier ones are whatever the browser sent.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if settings.TRUST_X_FORWARDED_FOR else ""
    ip = forwarded.split(",")[-1].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return ip or None


class WorkerHeartbeat(models.Model):
    """A background worker's last sign of life (written by ``manage.py worker`` every 15 s)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("后台任务程序")
        verbose_name_plural = _("后台任务程序")

    def __str__(self):
        return f"{self.host}:{self.pid}"
