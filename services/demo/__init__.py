"""The demo organisation loaded by `trustpulse demo` and `make run`."""

from services.demo.loader import DemoError, load_demo
from services.demo.plan import DemoPlan, build_demo

__all__ = ["DemoError", "DemoPlan", "build_demo", "load_demo"]
