from django.urls import path

from organizations import hooks, views

app_name = "organizations"
urlpatterns = [
    path("", views.org_index, name="index"),
    path("options/", views.options, name="options"),
    path("<int:pk>/", views.org_detail, name="detail"),
    path("<int:pk>/new/", views.org_add_child, name="add_child"),
    path("<int:pk>/rename/", views.org_rename, name="rename"),
    path("<int:pk>/move/", views.org_move, name="move"),
    path("<int:pk>/dissolve/", views.org_dissolve, name="dissolve"),
    *hooks.node_urls,  # pages about a node served by an app above the tree (the printed roster)
]
