"""Respondents' credentials: single-use invitation tokens and signed customer links."""
