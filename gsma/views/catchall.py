"""Any other path under the partner API: a GSMA identification error, whatever the method."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from gsma import errors
from gsma.views.base import PartnerView


@extend_schema(exclude=True)
class NotFoundView(PartnerView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def check_throttles(self, request: Request) -> None:
        return None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise errors.not_found("No such resource in the partner API.")

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise errors.not_found("No such resource in the partner API.")

    post = put = patch = delete = get
