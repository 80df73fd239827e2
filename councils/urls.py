from django.urls import path

from councils import appraisal_views, rule_views, theme_views, views

app_name = "councils"
urlpatterns = [
    path("meetings/", views.meeting_list, name="list"),
    path("meetings/new/", views.meeting_new, name="new"),
    path("meetings/book/", views.book, name="book"),
    path("meetings/ledger.xlsx", views.ledger_export, name="ledger"),
    path("meetings/attendance.xlsx", views.attendance_export, name="attendance_ledger"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("meetings/<int:pk>/expected/", views.meeting_expected, name="expected"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path("meetings/<int:pk>/guests/", views.meeting_guest, name="guest"),
    path("meetings/<int:pk>/decisions/", views.meeting_decision, name="decision"),
    path("meetings/<int:pk>/attachments/", views.meeting_attach, name="attach"),
    path("meetings/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_file, name="attachment"),
    path("meetings/<int:pk>/lock/", views.meeting_lock, name="lock"),
    path("meetings/<int:pk>/print/", views.meeting_print, name="print"),
    path("meetings/<int:pk>/sign-in-sheet/", views.sign_in_sheet, name="sign_in_sheet"),
    path("appraisals/", appraisal_views.round_list, name="appraisals"),
    path("appraisals/new/", appraisal_views.round_new, name="appraisal_new"),
    path("appraisals/<int:pk>/", appraisal_views.round_detail, name="appraisal"),
]

# -- schedule rules, compliance, monthly themes and follow-up tasks (rule_views.py, theme_views.py) --
urlpatterns += [
    path("compliance/", rule_views.compliance_page, name="compliance"),
    path("rules/", rule_views.rule_list, name="rules"),
    path("rules/new/", rule_views.rule_new, name="rule_new"),
    path("rules/<int:pk>/end/", rule_views.rule_end, name="rule_end"),
    path("rules/exemptions/new/", rule_views.exemption_new, name="exemption_new"),
    path("themes/", theme_views.theme_month, name="themes"),
    path("themes/new/", theme_views.theme_new, name="theme_new"),
    path("themes/<int:pk>/edit/", theme_views.theme_edit, name="theme_edit"),
    path("themes/<int:pk>/record/", theme_views.theme_record, name="theme_record"),
    path("tasks/", theme_views.task_list, name="tasks"),
    path("tasks/<int:pk>/done/", theme_views.task_done, name="task_done"),
    path("meetings/<int:pk>/tasks/new/", theme_views.task_new, name="task_new"),
]
