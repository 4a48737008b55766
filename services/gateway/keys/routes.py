"""HTTP endpoints of API keys (admin only; the role check is the gateway's route table)."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.gateway.keys import service
from services.gateway.keys.schemas import (
    ApiKeyCreatedSchema,
    ApiKeyCreateSchema,
    ApiKeyListQuerySchema,
    ApiKeyPageSchema,
)
from shared.app import get_engine
from shared.openapi import error_responses

blp = Blueprint("api_keys", __name__, url_prefix="/api/v1/api-keys",
                description="API keys and their roles (admin).")


@blp.route("")
class ApiKeys(MethodView):
    @blp.arguments(ApiKeyListQuerySchema, location="query")
    @blp.response(200, ApiKeyPageSchema)
    def get(self, query):
        """List API keys (never their clear value)."""
        return service.list_keys(get_engine(), limit=query["limit"], cursor=query["cursor"])

    @blp.arguments(ApiKeyCreateSchema)
    @blp.response(201, ApiKeyCreatedSchema)
    def post(self, body):
        """Create an API key; the key is in this answer only."""
        return service.create_key(get_engine(), name=body["name"], role=body["role"])


@blp.route("/<int:key_id>")
class ApiKey(MethodView):
    @blp.response(204)
    @error_responses(blp, {404: "No such API key."})
    def delete(self, key_id):
        """Revoke an API key; it stops working at once (not the bootstrap admin key: 409)."""
        service.revoke_key(get_engine(), key_id=key_id,
                           bootstrap_key=current_app.config["TRUSTPULSE_SETTINGS"].admin_key)
