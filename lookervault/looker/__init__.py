"""Talking to Looker: settings, login and raw HTTP."""

from lookervault.looker.sdk_import import defer_package_init

# Before any module here imports looker-sdk: it then loads without the API
# model classes a run never uses (see sdk_import).
defer_package_init()
