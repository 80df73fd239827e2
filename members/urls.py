from django.urls import path

from members import import_views, views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("export.xlsx", views.member_export, name="export"),
    path("changes/", views.change_list, name="changes"),
    path("new/", views.member_new, name="new"),
    path("check-id/", views.check_id, name="check_id"),
    path("import/", import_views.import_start, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/<int:pk>/", import_views.import_batch, name="import_batch"),
    path("import/<int:pk>/reading/", import_views.import_reading, name="import_reading"),
    path("import/<int:pk>/commit/", import_views.import_commit, name="import_commit"),
    path("import/<int:pk>/retry/", import_views.import_retry, name="import_retry"),
    path("import/<int:pk>/rejected.xlsx", import_views.import_rejected, name="import_rejected"),
    path("roster.xlsx", import_views.roster_export, name="roster_export"),
    path("ledger.xlsx", import_views.ledger_export, name="ledger_export"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/print/", views.member_print, name="print"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/reveal-id/", views.reveal_id, name="reveal_id"),
    path("<int:pk>/changes/<str:kind>/", views.member_change, name="change"),
]
