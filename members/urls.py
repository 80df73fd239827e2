from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("export.xlsx", views.member_export, name="export"),
    path("new/", views.member_new, name="new"),
    path("check-id/", views.check_id, name="check_id"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/print/", views.member_print, name="print"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/reveal-id/", views.reveal_id, name="reveal_id"),
    path("<int:pk>/changes/<str:kind>/", views.member_change, name="change"),
]
