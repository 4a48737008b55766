"""The respondent's HTML form at `/s/{token}`: accessible, no JavaScript needed."""
