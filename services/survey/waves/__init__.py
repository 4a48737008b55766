"""Waves (the windows in which a survey takes responses) and the schedules that make them."""
