from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("", views.index, name="index"),
    path("open-data.json", views.open_data, name="open-data"),
    path("roster/", views.roster, name="roster"),
    path("roster.xlsx", views.roster_xlsx, name="roster-xlsx"),
    path("hours/", views.hours, name="hours"),
    path("volunteers/<int:volunteer_pk>/certificate/", views.issue_certificate, name="issue-certificate"),
    path("certificates/<int:pk>/", views.certificate, name="certificate"),
]
