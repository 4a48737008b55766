"""API keys: create, list, revoke, and authenticate a request's bearer key."""
