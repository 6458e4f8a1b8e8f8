from __future__ import annotations

from django.urls import path

from ussd import views

urlpatterns = [
    path("africastalking/<str:token>/", views.session_hop, name="ussd-hop"),
    path("africastalking/<str:token>/events/", views.session_end, name="ussd-events"),
]
