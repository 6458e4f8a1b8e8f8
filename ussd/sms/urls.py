"""Included as `path("sms/", include("ussd.sms.urls"))`."""

from __future__ import annotations

from django.urls import path

from ussd.sms import views

app_name = "sms"

urlpatterns = [
    path(
        "africastalking/<str:token>/delivery/",
        views.africastalking_delivery_report,
        name="africastalking-delivery",
    ),
    path(
        "africastalking/<str:token>/inbound/",
        views.africastalking_inbound,
        name="africastalking-inbound",
    ),
]
