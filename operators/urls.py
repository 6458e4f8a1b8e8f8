from __future__ import annotations

from django.urls import URLPattern, path

from operators import views

urlpatterns: list[URLPattern] = [
    path("<slug:code>/<str:token>/<str:kind>/", views.callback, name="operator-callback"),
]
