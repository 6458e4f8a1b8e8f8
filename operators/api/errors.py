"""The operator API's own errors and their HTTP statuses (rendered by `wallets.api.errors`).

An operator is named in the body like a transfer's recipient, so one that does not exist or
cannot be used now is a refused request (422), as an unknown recipient is; an operator
request named in the URL that does not exist is a 404, as an unknown transaction is.
"""

from __future__ import annotations

from rest_framework import status

from wallets import errors
from wallets.api.errors import register_statuses


class UnknownOperator(errors.LedgerError):
    code = "unknown_operator"
    message = "No mobile-money operator has that code."


class OperatorNotAvailable(errors.LedgerError):
    code = "operator_not_available"
    message = "That mobile-money operator is not available now. Please try later."


class UnknownOperatorRequest(errors.LedgerError):
    code = "unknown_operator_request"
    message = "No top-up or withdrawal has that reference."


register_statuses(
    {
        UnknownOperator: status.HTTP_422_UNPROCESSABLE_ENTITY,
        OperatorNotAvailable: status.HTTP_422_UNPROCESSABLE_ENTITY,
        UnknownOperatorRequest: status.HTTP_404_NOT_FOUND,
    }
)
