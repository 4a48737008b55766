"""Schemathesis hooks of the contract test (loaded through `SCHEMATHESIS_HOOKS`).

The fuzzer calls as the bootstrap admin; revoking that key would lock it out of every
later call, so a DELETE of it is sent for a key that does not exist instead.
"""

from __future__ import annotations

import os

import schemathesis

PROTECTED_KEY_IDS = {part.strip() for part in
                     os.environ.get("TRUSTPULSE_FUZZ_PROTECTED_KEYS", "").split(",") if part}
MISSING_KEY_ID = 2**62


@schemathesis.hook
def before_call(context, case, kwargs):
    """Keep the fuzzer's own API key alive."""
    if (case.method.upper() == "DELETE" and case.path == "/api/v1/api-keys/{key_id}"
            and str((case.path_parameters or {}).get("key_id")) in PROTECTED_KEY_IDS):
        case.path_parameters["key_id"] = MISSING_KEY_ID
