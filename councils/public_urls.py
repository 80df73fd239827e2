"""社区议事园 (/yishi/): the public consultation pages, open without login (issue 15)."""

from django.urls import path

from councils import public_views

app_name = "yishi"
urlpatterns = [
    path("", public_views.index, name="index"),
    path("<int:pk>/", public_views.community, name="community"),
    path("<int:pk>/items/<int:item_pk>/", public_views.item, name="item"),
    path("<int:pk>/items/<int:item_pk>/comment/", public_views.comment, name="comment"),
    path("photos/<int:pk>/", public_views.photo, name="photo"),
]
