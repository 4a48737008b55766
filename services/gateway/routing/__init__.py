"""The gateway's route table and the proxy that forwards matched requests."""
