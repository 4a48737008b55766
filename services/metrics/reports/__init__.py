"""Participation, question-level results and CSV exports of the analytics answers."""
