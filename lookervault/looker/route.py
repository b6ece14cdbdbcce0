"""The route of a run's requests: the proxy and CA bundle the environment sets.

The parent reads them once, with the rules requests and looker-sdk's login
use, and hands the result to every worker, so that logging in and fetching
always take the same path and workers need not import requests to read
NO_PROXY.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3

from lookervault.errors import ConfigInvalid

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@dataclass(frozen=True)
class Route:
    """The proxy and CA bundle for one base URL; picklable.

    ``proxy`` keeps any user name and password it was given, because the
    proxy needs them; messages use :attr:`shown_proxy`.
    """

    proxy: str | None = None
    # The environment variable that named the proxy, for messages.
    proxy_variable: str | None = None
    ca_bundle: str | None = None
    ca_bundle_variable: str | None = None

    @property
    def proxy_uses_tls(self) -> bool:
        """True for an https:// proxy, whose own certificate is checked."""
        return bool(self.proxy) and self.proxy.lower().startswith("https:")

    @property
    def shown_proxy(self) -> str | None:
        """The proxy URL without its user name and password."""
        if not self.proxy:
            return None
        parts = urlsplit(self.proxy)
        if "@" not in parts.netloc:
            return self.proxy
        host = parts.netloc.rsplit("@", 1)[1]
        return parts._replace(netloc="***@" + host).geturl()


def route_for(base_url: str, verify_ssl: bool = True) -> Route:
    """Read the route to ``base_url`` from the environment."""
    # Imported here: workers unpickle Route and must not pay for requests.
    from requests.utils import get_environ_proxies

    proxies = get_environ_proxies(base_url)
    scheme = urlsplit(base_url).scheme
    key = scheme if proxies.get(scheme) else "all"
    proxy = proxies.get(key) or None
    variable = _variable_named(f"{key}_proxy") if proxy else None
    if proxy and "://" not in proxy:
        # requests reads "proxy:3128" as an HTTP proxy, and so does the login.
        proxy = "http://" + proxy
    if proxy:
        _check_proxy(proxy, variable)
    bundle_variable, bundle = _ca_bundle() if verify_ssl else (None, None)
    return Route(proxy, variable, bundle, bundle_variable)


def _check_proxy(proxy: str, variable: str) -> None:
    """Reject a proxy URL that names no usable host, before any request.

    The value is left out of the message, because a URL that does not parse
    cannot be trusted to hide its password.  A bare port such as "3128" is
    read as the host 3128, the IPv4 address 0.0.12.56, by requests too, so it
    is rejected rather than sent there.
    """
    try:
        # Also checks that the port is a number from 0 to 65535.
        parts = urllib3.util.parse_url(proxy)
    except (ValueError, urllib3.exceptions.HTTPError):
        parts = None
    host = parts.host if parts else None
    # A path, query or fragment means an unencoded / ? or # cut the URL
    # short, most likely inside the password.
    extra = parts and (
        parts.path not in (None, "", "/") or parts.query or parts.fragment
    )
    if not host or host.isdigit() or extra or proxy != proxy.strip():
        raise ConfigInvalid(
            f"{variable} is not a valid proxy URL (its value is not shown, as it "
            "may contain a password); set it to http://HOST:PORT, with "
            "USER:PASSWORD@ before HOST if the proxy needs them, percent-encoding "
            "any @, : or / in them"
        )


def _variable_named(name: str) -> str:
    """Return the spelling of ``name`` set in the environment, lower case first,
    as urllib reads it."""
    return name if os.environ.get(name) else name.upper()


def _ca_bundle() -> tuple[str | None, str | None]:
    """Return the variable naming a CA bundle, as requests reads them, and
    the bundle's path.  It is checked only where TLS is used (client.py)."""
    for name in CA_BUNDLE_VARIABLES:
        path = os.environ.get(name)
        if path:
            return name, path
    return None, None
