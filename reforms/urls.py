from django.urls import path

from . import views

app_name = "reforms"
urlpatterns = [
    path("", views.catalogue, name="list"),
    path("<int:pk>/", views.item_detail, name="detail"),
]
