"""The parts of looker-sdk a run uses: settings, transport, login and errors.

Only the parent imports this module, and it loads them with looker-sdk's
package ``__init__``, which builds the API model classes, deferred until
something else uses the package (``sdk_import``).
"""

from lookervault.looker.sdk_import import defer_package_init

defer_package_init()

# After the call above, so that these imports skip the model classes.
from looker_sdk.error import SDKError  # noqa: E402
from looker_sdk.rtl import serialize  # noqa: E402
from looker_sdk.rtl.api_settings import ApiSettings  # noqa: E402
from looker_sdk.rtl.auth_session import AuthSession  # noqa: E402
from looker_sdk.rtl.requests_transport import RequestsTransport  # noqa: E402

__all__ = ["ApiSettings", "AuthSession", "RequestsTransport", "SDKError", "serialize"]
