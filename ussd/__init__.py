"""The phone channels: the menu engine, Africa's Talking USSD callbacks and SMS."""
