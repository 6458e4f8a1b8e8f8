"""Customer-care pages of a customer: the 360 overview and the PIN reset after an ID check.

Both are views of `CustomerAdmin` (see its `get_urls`), linked from the customer's page. The
reset itself is `wallets.services.pins.reset_pin_by_support`: these views only ask for the ID
number the support agent checked, call it, and record what happened (Django's history, which
the audit app also records, and an audit record of a refused attempt).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from wallets.admin.overview import customer_overview

if TYPE_CHECKING:
    from wallets.admin.customers import CustomerAdmin
from wallets.errors import IdNumberMismatch
from wallets.models import Customer
from wallets.services.pins import reset_pin_by_support


class ResetPinForm(forms.Form):
    id_number = forms.CharField(
        label="ID number you checked",
        max_length=32,
        help_text="Type the number on the ID the caller read out or showed you.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 20}),
    )


def overview(model_admin: CustomerAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    customer = _customer(model_admin, request, object_id)
    if not model_admin.has_view_permission(request, customer):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        **customer_overview(customer, request.user),
        "title": f"{customer}: overview",
        "opts": Customer._meta,
        "change_url": _change_url(customer),
        "reset_url": reverse("admin:wallets_customer_reset_pin", args=[customer.pk])
        if model_admin.has_reset_pin_permission(request)
        else "",
    }
    return TemplateResponse(request, "admin/wallets/customer/overview.html", context)


def reset_pin(model_admin: CustomerAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    customer = _customer(model_admin, request, object_id)
    if not model_admin.has_reset_pin_permission(request):
        raise PermissionDenied
    form = ResetPinForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            reset_pin_by_support(
                customer=customer, staff=request.user, id_number=form.cleaned_data["id_number"]
            )
        except IdNumberMismatch as error:
            _record_refusal(request, customer)
            form.add_error("id_number", error.text)
        else:
            model_admin.log_change(request, customer, "PIN reset by support; start PIN sent.")
            model_admin.message_user(
                request,
                f"PIN reset: a one-time start PIN was sent by SMS to {customer.phone}. "
                "The customer must change it on their next dial.",
                messages.SUCCESS,
            )
            return redirect(_change_url(customer))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Reset the PIN of {customer}",
        "opts": Customer._meta,
        "customer": customer,
        "form": form,
        "change_url": _change_url(customer),
    }
    return TemplateResponse(request, "admin/wallets/customer/reset_pin.html", context)


def _customer(model_admin: CustomerAdmin, request: HttpRequest, pk: str) -> Customer:
    customer = model_admin.get_object(request, pk)
    if customer is None:
        raise Http404("No such customer.")
    return customer


def _change_url(customer: Customer) -> str:
    return reverse("admin:wallets_customer_change", args=[customer.pk])


def _record_refusal(request: HttpRequest, customer: Customer) -> None:
    """An audit record of a refused reset (the service logged it too). The typed ID number is
    not recorded: it may be someone else's."""
    try:
        from audit.services import record
    except ImportError:  # the audit app is optional to the ledger; the service's log remains
        return
    record(
        action="pin_reset_refused",
        obj=customer,
        reason="the ID number typed does not match the customer's",
        request=request,
    )
