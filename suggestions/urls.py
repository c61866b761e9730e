from django.urls import path

from . import views

app_name = "suggestions"
urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("new/", views.suggestion_new, name="new"),
    path("status/", views.suggestion_status, name="status"),
    path("support/", views.support, name="support"),
    path("<int:pk>/", views.suggestion_detail, name="detail"),
    path("rate/<int:pk>/", views.rate, name="rate"),
    path("notice/<int:pk>/", views.site_notice, name="notice"),
]
