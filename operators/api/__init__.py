"""The customer wallet API's operator endpoints: top-ups from and withdrawals to M-Pesa/MoMo."""
