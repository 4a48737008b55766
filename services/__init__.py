"""TrustPulse services: survey, metrics and gateway, each a Flask app."""
