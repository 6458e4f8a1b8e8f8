"""The demo merchants: a till, a pay-bill and a partner with a credential, created once."""

from __future__ import annotations

from merchants import credentials, demo, services
from merchants.models import BusinessStatus, Merchant, PartnerCredential, PaymentPoint


def test_the_demo_merchants_are_created_once_and_ready_to_take_payments(db):
    first = demo.seed()
    counts = (Merchant.objects.count(), PaymentPoint.objects.count())
    again = demo.seed()
    assert again == first
    assert counts == (3, 3)
    assert (Merchant.objects.count(), PaymentPoint.objects.count()) == counts
    assert set(Merchant.objects.values_list("status", flat=True)) == {BusinessStatus.ACTIVE}
    assert services.find_point("512345").merchant.display_name == "Mama Mboga Grocers"
    assert services.find_point("600600").merchant.display_name == "Habari News"
    water = services.find_point("888880")
    assert services.check_account_reference(water, "w123456") == "W123456"


def test_the_partner_credential_is_printed_and_its_secret_verifies(db):
    lines = "\n".join(demo.seed())
    credential = PartnerCredential.objects.get(client_id=demo.PARTNER_CLIENT_ID)
    assert credential.merchant.name == "Habari News"
    assert credential.client_id in lines
    assert credentials.secret_of(credential) in lines
    assert credentials.lookup(demo.PARTNER_CLIENT_ID) == credential
