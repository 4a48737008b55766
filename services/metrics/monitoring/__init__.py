"""Monitoring: score snapshots, deterioration alerts, their delivery, and the scheduled jobs."""
