"""Merge the gateway's OpenAPI document with survey's and metrics' into one public document.

Only operations the route table forwards are kept (so `/internal/...` never appears), each
annotated with the roles it needs. A component whose name clashes with a different one of
another service is renamed `<Service><Name>`, with its references rewritten.
"""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from services.gateway.routing.backends import probe_timeout
from services.gateway.routing.table import index_routes, normalise
from shared.errors import Unavailable
from shared.http import ServiceClient
from shared.openapi import error_example

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
ERROR_REF = "#/components/schemas/Error"
DESCRIPTION = ("The public API of TrustPulse, served by the gateway. Authenticate with "
               "`Authorization: Bearer <api key>` (Authorize). Every error is "
               "`{\"error\": {\"code\", \"message\", \"details\", \"request_id\"}}`; every "
               "answer carries `X-Request-ID`. The document itself: "
               "[/api/openapi.json](/api/openapi.json).")
SECURITY_SCHEME = {"bearerAuth": {"type": "http", "scheme": "bearer",
                                  "description": "An API key: `Authorization: Bearer tp_...`."}}


def fetch_document(client: ServiceClient) -> dict | None:
    """Return a backend's OpenAPI document, or None when it does not answer."""
    try:
        response = client.get("/openapi.json", timeout=probe_timeout(client))
    except Unavailable:
        return None
    if response.status_code != 200:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def fetch_documents(clients: Mapping[str, ServiceClient]) -> dict[str, dict | None]:
    """Return each backend's OpenAPI document (None if it does not answer), asked at once.

    The calls run side by side, so a slow backend costs one probe timeout, not one per backend.
    """
    if not clients:
        return {}
    with ThreadPoolExecutor(max_workers=len(clients), thread_name_prefix="openapi") as pool:
        # Each call runs in a copy of the caller's context: the request id travels with it.
        futures = {name: pool.submit(contextvars.copy_context().run, fetch_document, client)
                   for name, client in clients.items()}
    return {name: future.result() for name, future in futures.items()}


def _rewrite_refs(node, renames: Mapping[str, str]):
    """Return `node` with every `$ref` in `renames` pointing at its new name."""
    if isinstance(node, dict):
        return {key: (renames.get(value, value) if key == "$ref" and isinstance(value, str)
                      else _rewrite_refs(value, renames)) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _merge_components(merged: dict, document: dict, service: str) -> dict:
    """Add a document's components to `merged`; return the document with renamed refs."""
    renames = {}
    target = merged.setdefault("components", {})
    for kind, items in (document.get("components") or {}).items():
        for name, value in items.items():
            existing = target.setdefault(kind, {}).get(name)
            if existing is not None and existing != value:
                renames[f"#/components/{kind}/{name}"] = (
                    f"#/components/{kind}/{service.capitalize()}{name}")
    document = _rewrite_refs(document, renames)
    for kind, items in (document.get("components") or {}).items():
        for name, value in items.items():
            new_name = name
            if f"#/components/{kind}/{name}" in renames:
                new_name = service.capitalize() + name
            target[kind].setdefault(new_name, value)
    return document


def _error(status: int, description: str, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {
        "schema": {"$ref": ERROR_REF}, "example": error_example(status, description)}}}
    return {**answer, "headers": headers} if headers else answer


# What the gateway itself answers, before or instead of a backend.
UNAUTHORIZED = _error(401, "No API key, or one that is not valid or has been revoked.")
FORBIDDEN = _error(403, "The key's role may not do this.")
RATE_LIMITED = _error(429, "Too many respondent requests from this address.", {"Retry-After": {
    "description": "Seconds until the limit resets.", "required": True,
    "schema": {"type": "integer", "minimum": 1}}})
UNAVAILABLE = _error(503, "A backend service or the database does not answer; `details` "
                          "names it.")
BAD_BODY = _error(400, "The body is not valid JSON.")
TOO_LARGE = _error(413, "The body is over the limit (1 MiB; imports 50 MiB).")


def _annotate(operation: dict, route) -> dict:
    """Add a route's roles, bearer requirement and the statuses the gateway answers for it."""
    operation = dict(operation)
    responses = dict(operation.get("responses", {}))
    if route.public:
        operation["security"] = []
        note = "No API key: the respondent token is the credential."
    else:
        operation["security"] = [{"bearerAuth": []}]
        note = "Roles: " + ", ".join(sorted(route.roles)) + "."
        responses.setdefault("401", UNAUTHORIZED)
        responses.setdefault("403", FORBIDDEN)
    if route.rate_limited:
        responses.setdefault("429", RATE_LIMITED)
    if "requestBody" in operation:
        responses.setdefault("400", BAD_BODY)
        responses.setdefault("413", TOO_LARGE)
    responses.setdefault("503", UNAVAILABLE)
    operation["responses"] = responses
    operation["x-roles"] = sorted(route.roles)
    operation["description"] = (operation.get("description", "") + "\n\n" + note).strip()
    return operation


def _routed_paths(document: dict, service: str, index: dict, *, own: bool = False) -> dict:
    """Return the paths of `document` that the route table sends to `service`, annotated.

    With `own`, operations the table does not list (the gateway's probes) are kept as they
    are: public, and answered by this process.
    """
    paths = {}
    for path, item in (document.get("paths") or {}).items():
        if path.startswith("/internal"):
            continue
        kept = {}
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                kept[method] = operation  # shared parameters of the path item
                continue
            route = index.get((method.upper(), normalise(path)))
            if route is not None and route.target == service:
                kept[method] = _annotate(operation, route)
            elif route is None and own:
                kept[method] = {**operation, "security": []}
        if any(method in HTTP_METHODS for method in kept):
            paths[path] = kept
    return paths


def _references(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(item) for item in node))
    return set()


def _drop_unreferenced_components(document: dict) -> None:
    """Remove components no kept operation uses (e.g. those of internal endpoints)."""
    components = document.get("components", {})
    reachable: set[str] = set()
    frontier = _references(document.get("paths", {}))
    while frontier - reachable:
        reachable |= frontier
        frontier = set()
        for ref in reachable:
            _, _, kind, name = ref.split("/", 3)
            frontier |= _references(components.get(kind, {}).get(name))
    for kind, items in components.items():
        if kind == "securitySchemes":
            continue
        for name in list(items):
            if f"#/components/{kind}/{name}" not in reachable:
                del items[name]


def merge_documents(own: dict, backends: Mapping[str, dict | None], routes) -> dict:
    """Return the suite's public OpenAPI document from the gateway's and the backends'."""
    index = index_routes(routes)
    merged = copy.deepcopy(own)
    merged["info"] = {"title": "TrustPulse API", "version": own.get("info", {}).get("version"),
                      "description": DESCRIPTION}
    merged["paths"] = _routed_paths(merged, "gateway", index, own=True)
    merged.setdefault("components", {}).setdefault("securitySchemes", {}).update(
        SECURITY_SCHEME)
    tags = {tag["name"]: tag for tag in merged.get("tags", [])}
    missing = []
    for service, document in backends.items():
        if document is None:
            missing.append(service)
            continue
        document = _merge_components(merged, document, service)
        merged["paths"].update(_routed_paths(document, service, index))
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)
    used = {tag for item in merged["paths"].values() for method, operation in item.items()
            if method in HTTP_METHODS for tag in operation.get("tags", [])}
    merged["tags"] = [tag for name, tag in tags.items() if name in used]
    _drop_unreferenced_components(merged)
    if missing:
        # Say what is left out rather than fail: docs stay up while a backend is down.
        merged["x-unavailable-services"] = missing
    return merged
