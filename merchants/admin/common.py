"""What the merchant admin pages share: a secret shown once, on a page of its own."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import ModelAdmin
from django.http import HttpRequest
from django.template.response import TemplateResponse

SHOWN_ONCE = "admin/merchants/shown_once.html"


def shown_once(
    model_admin: ModelAdmin,
    request: HttpRequest,
    *,
    title: str,
    intro: str,
    shown: list[tuple[Any, str, str]],
    refused: list[str] | None = None,
    back: str = "",
) -> TemplateResponse:
    """A page listing (owner, identifier, secret) rows. Never a message: messages wait in the
    session or a cookie until read. The page is not cached."""
    response = TemplateResponse(
        request,
        SHOWN_ONCE,
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "shown": shown,
            "refused": refused or [],
            "back": back or request.get_full_path(),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
