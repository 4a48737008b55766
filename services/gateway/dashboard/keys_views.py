"""Integration keys for admins: the keys contact-centre platforms use to create customer links."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.gateway.dashboard.views import blueprint, session_api


def _keys_page(*, created: dict | None = None, errors: dict | None = None, status: int = 200):
    every, answer = session_api().items("/api/v1/api-keys", limit=200)
    if not answer.ok:
        return render_template("dashboard/error.html", status=answer.status,
                               message=answer.message), answer.status
    keys = [k for k in every if k.get("role") == "integration"]
    return render_template("dashboard/keys.html", keys=keys, created=created,
                           errors=errors or {}, values=request.form), status


@blueprint.get("/keys")
def integration_keys():
    """The integration keys, and the form making one."""
    return _keys_page()


@blueprint.post("/keys")
def create_integration_key():
    """Make an integration key and show it, this once."""
    name = request.form.get("name", "").strip()
    if not name:
        return _keys_page(errors={"name": ["Name the key, e.g. after the platform using it."]},
                          status=422)
    answer = session_api().post("/api/v1/api-keys", {"name": name, "role": "integration"})
    if answer.status != 201:
        return _keys_page(errors=answer.field_errors or {"_": [answer.message]},
                          status=answer.status)
    return _keys_page(created=answer.body, status=201)


@blueprint.post("/keys/<int:key_id>/revoke")
def revoke_integration_key(key_id: int):
    """Revoke an integration key: the platform using it is refused from now on."""
    answer = session_api().delete(f"/api/v1/api-keys/{key_id}")
    if answer.status not in (204, 404):
        return _keys_page(errors={"_": [answer.message]}, status=answer.status)
    return redirect(url_for("dashboard.integration_keys"), 303)
