"""Alerts: the articles.enriched handler that makes them, their store, /alerts, its stream, dead deliveries.
May import: common, users, delivery, live, watchlists."""
