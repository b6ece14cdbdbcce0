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
    bundle_variable, bundle = _ca_bundle() if verify_ssl else (None, None)
    return Route(proxy, variable, bundle, bundle_variable)


def _variable_named(name: str) -> str:
    """Return the spelling of ``name`` set in the environment, lower case first,
    as urllib reads it."""
    return name if os.environ.get(name) else name.upper()


def _ca_bundle() -> tuple[str | None, str | None]:
    """Return the variable naming a CA bundle, as requests reads them, and
    the bundle's path."""
    for name in CA_BUNDLE_VARIABLES:
        path = os.environ.get(name)
        if path:
            if not os.path.exists(path):
                raise ConfigInvalid(
                    f"{name} names {path}, which does not exist; point it at "
                    "the PEM file of the certificate authority that signed "
                    "Looker's certificate, or unset it"
                )
            return name, path
    return None, None
