"""Dashboard: the static single-page app (static/), served at / and /dashboard/<file>.
May import: no other subpackage."""
