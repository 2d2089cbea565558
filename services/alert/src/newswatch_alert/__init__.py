"""newswatch alert service: watchlists, matching, alerts and their delivery, the live feed and dashboard.

One subpackage per capability (each ``__init__`` says what it owns and what it may import), layered
one way, lowest first: ``common``; ``users``, ``delivery``, ``live``; ``watchlists``; ``alerts``;
``dashboard`` beside them. ``roles`` wires them from the settings into the ``api``, ``match`` and
``deliver`` roles, and the top (``app``, ``settings``, ``main``) starts the roles one process runs.
Routers live only in API modules (``api.py``, ``*_api.py``), which only ``roles`` and other API
modules of their own subpackage import. tests/unit/alert/test_alert_layers.py enforces all of it.
"""
