"""Batch transactions: bulk disbursements with per-line results."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from gsma import batches, errors, render, schema
from gsma.models import Batch, BatchLine, LineState
from gsma.serializers import BatchRequestSerializer, PaginationSerializer
from gsma.views.base import PartnerView
from merchants.models import Merchant, Scope


class BatchesView(PartnerView):
    required_scope = Scope.BATCH

    @schema.create_batch
    def post(self, request: Request) -> Response:
        form = BatchRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        state = batches.submit(
            merchant=self.partner,
            items=data["transactions"],
            title=data.get("batchTitle", ""),
            description=data.get("batchdescription", ""),
            initiator=self.initiator(),
            callback_url=self.callback_url(),
            correlation_id=self.exchange.correlation_id if self.exchange else None,
        )
        self.link = f"/batchtransactions/{state.object_reference}"
        return Response(render.request_state_object(state), status.HTTP_202_ACCEPTED)


def own_batch(merchant: Merchant, batch_id: uuid.UUID) -> Batch:
    batch = Batch.objects.filter(pk=batch_id, merchant=merchant).first()
    if batch is None:
        raise errors.not_found("This partner has no batch with that id.")
    return batch


class BatchView(PartnerView):
    required_scope = Scope.BATCH

    @schema.read_batch
    def get(self, request: Request, batch_id: uuid.UUID) -> Response:
        return Response(render.batch_object(own_batch(self.partner, batch_id)))


class BatchLinesView(PartnerView):
    required_scope = Scope.BATCH
    state = LineState.COMPLETED

    def page(self, request: Request, batch_id: uuid.UUID) -> Response:
        query = PaginationSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit, offset = query.validated_data["limit"], query.validated_data["offset"]
        batch = own_batch(self.partner, batch_id)
        lines: QuerySet[BatchLine] = batch.lines.filter(state=self.state).order_by("line_no")
        total = lines.count()
        body = [self.render(line) for line in lines[offset : offset + limit]]
        headers = {
            "X-Records-Available-Count": str(total),
            "X-Records-Returned-Count": str(len(body)),
        }
        return Response(body, headers=headers)

    def render(self, line: BatchLine) -> dict[str, Any]:
        body: dict[str, Any] = {
            "transactionReference": line.transaction_reference,
            "creditParty": [{"key": "msisdn", "value": line.msisdn or "-"}],
            "debitParty": render.merchant_party(self.partner),
            "completionDate": line.finished_at.isoformat() if line.finished_at else "",
            "link": f"/transactions/{line.transaction_reference}",
        }
        if line.client_reference:
            body["requestingOrganisationTransactionReference"] = line.client_reference
        return body


class CompletionsView(BatchLinesView):
    @schema.completions
    def get(self, request: Request, batch_id: uuid.UUID) -> Response:
        return self.page(request, batch_id)


class RejectionsView(BatchLinesView):
    state = LineState.REJECTED

    @schema.rejections
    def get(self, request: Request, batch_id: uuid.UUID) -> Response:
        return self.page(request, batch_id)

    def render(self, line: BatchLine) -> dict[str, Any]:
        body: dict[str, Any] = {
            "creditParty": [{"key": "msisdn", "value": line.msisdn or "-"}],
            "debitParty": render.merchant_party(self.partner),
            "rejectionReason": line.rejection_reason or "Rejected.",
            "rejectionDate": (line.finished_at or line.batch.created_at).isoformat(),
            "customData": [{"key": "lineNumber", "value": str(line.line_no)}],
        }
        if line.client_reference:
            body["requestingOrganisationTransactionReference"] = line.client_reference
        return body
