"""Responses: single answers by token, imports, and the bucket summaries kept with them."""
