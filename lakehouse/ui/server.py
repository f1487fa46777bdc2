"""Run the web page with uvicorn, bound to loopback unless told otherwise."""

from __future__ import annotations

import ipaddress

import uvicorn

from catalog.access import Principal
from lakehouse.errors import UsageError
from lakehouse.settings import Settings
from lakehouse.ui.app import HOSTS, create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def check_host(host: str) -> None:
    """Refuse anything but a loopback address: the page has no login and no TLS."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(
            f"--host {host!r} is not a loopback address: the page has no login and no TLS",
            hint="use 127.0.0.1 (the default) and reach it from elsewhere through an SSH tunnel",
        )


def serve(
    settings: Settings, principal: Principal | None, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> None:
    check_host(host)
    app = create_app(settings, principal, hosts=(*HOSTS, host))
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
