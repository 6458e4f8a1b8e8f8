"""Two-factor sign-in for staff: a password, then a code from an authenticator app (TOTP) or a
one-time backup code, both from django-otp.

The admin's login form is django-otp's, with two changes that matter to the people using it:

- A staff member whose password is right but who has no confirmed device is told so, and how
  to get one, instead of being asked again and again for a code they cannot have.
- The device is picked from the code when the staff member does not choose one: digits are a
  code from their authenticator app, anything else one of their backup codes. django-otp asks
  for an explicit choice rather than trying every device (which would count a failure against
  each device that did not match); picking one device by the code's shape keeps that property.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

NO_DEVICE = (
    "Your password is right, but your account has no two-factor device yet, so the back office "
    "stays closed. Ask a superuser to add one for you (under TOTP devices in the admin), scan "
    "its QR code with an authenticator app (Aegis, FreeOTP, Google Authenticator...), then "
    "sign in with the 6-digit code the app shows."
)


def two_factor_required() -> bool:
    return bool(settings.STAFF_REQUIRE_2FA)


def device_for_token(user: Any, token: str) -> Any | None:
    """The one confirmed device of `user` that a code of this shape belongs to, if unambiguous."""
    devices = list(devices_for_user(user, confirmed=True))
    if len(devices) == 1:
        return devices[0]
    kind = TOTPDevice if token.strip().isdigit() else StaticDevice
    matching = [device for device in devices if isinstance(device, kind)]
    return matching[0] if len(matching) == 1 else None


class StaffLoginForm(OTPAdminAuthenticationForm):
    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": "Enter the 6-digit code from your authenticator app (or a backup code).",
        "invalid_token": "That code is not right (or was already used). Enter the current code.",
        "device_required": "You have several devices: choose the one your code comes from.",
    }

    def clean_otp(self, user: Any) -> None:
        if user is None:
            return
        if not list(devices_for_user(user, confirmed=True)):
            raise ValidationError(NO_DEVICE, code="no_device")
        token = self.cleaned_data.get("otp_token") or ""
        chosen = self.cleaned_data.get("otp_device")
        if token and not chosen and (device := device_for_token(user, token)):
            self.cleaned_data["otp_device"] = device.persistent_id
        super().clean_otp(user)
