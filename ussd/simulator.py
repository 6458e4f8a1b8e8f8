"""The phone simulator: a page that plays Africa's Talking and a handful of feature phones.

It shows the customers' phones and the agents' assistants' phones (which get the agent
menu). It posts to the real USSD callback URL, with the same form fields and the configured token,
so what it shows is what a customer would see; each phone's SMS inbox shows the messages the
console SMS backend stored for it. Served only when `USSD_SIMULATOR` is on (the default in
development), since the page carries the callback token.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.timezone import localtime

from agents.models import Assistant
from merchants.models import Merchant
from ussd.sms.models import SmsMessage
from wallets.errors import InvalidPhoneNumber
from wallets.models import Customer
from wallets.phones import normalize_phone

INBOX_SIZE = 20


def _enabled() -> None:
    if not settings.USSD_SIMULATOR:
        raise Http404("The simulator is off (USSD_SIMULATOR).")


def page(request: HttpRequest) -> HttpResponse:
    _enabled()
    phones = list(Customer.objects.order_by("phone").values_list("phone", "name")[:12])
    assistants = Assistant.objects.select_related("store__agent").order_by("phone")[:8]
    phones += [
        (a.phone, f"{a.name} (agent {a.store.agent.agent_number}, store {a.store.store_number})")
        for a in assistants
    ]
    # Merchants dial nothing, but their payment SMS land in their inbox here.
    phones += [
        (phone, f"{name} (merchant)")
        for phone, name in Merchant.objects.order_by("name").values_list("phone", "display_name")[
            :6
        ]
    ]
    return render(
        request,
        "ussd/simulator.html",
        {
            "phones": phones,
            "callback_url": f"/ussd/africastalking/{settings.USSD_CALLBACK_TOKEN}/",
            "service_code": settings.USSD_SERVICE_CODE,
            "screen_limit": settings.USSD_SCREEN_LIMIT,
        },
    )


def inbox(request: HttpRequest) -> JsonResponse:
    """The latest SMS stored for one phone, newest first."""
    _enabled()
    try:
        phone = normalize_phone(request.GET.get("phone", ""))
    except InvalidPhoneNumber as error:
        return JsonResponse({"error": error.text}, status=400)
    messages = SmsMessage.objects.for_phone(phone)
    return JsonResponse(
        {
            "phone": phone,
            "messages": [
                {
                    "text": message.text,
                    "state": message.state,
                    "at": f"{localtime(message.created_at):%d/%m %H:%M}",
                }
                for message in messages[:INBOX_SIZE]
            ],
        }
    )
