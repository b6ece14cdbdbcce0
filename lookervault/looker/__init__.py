"""Talking to Looker: settings, login and raw HTTP."""
