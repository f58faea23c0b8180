from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Dev tools (the demo seed, the benchmarks): the top floor, so they may use every app and
    no domain app depends on them."""

    name = "demo"
