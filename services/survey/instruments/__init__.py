"""Instruments: the built-in templates and the surveys made from them or from explicit questions."""
