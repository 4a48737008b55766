"""What every TrustPulse service needs the same way: settings, database, errors, request ids, logs, HTTP."""
