"""The live dashboard: the report's picture in a browser, with controls, read only from the store.

Why Dash rather than Streamlit: Dash serves a plain Flask app whose callbacks are ordinary
functions of their inputs, so the page draws the very plotly figures of
:mod:`riskcurve.report.figures`, each control maps to one validated argument, every component
has a stable id a headless-browser test can read, and the server binds exactly where it is told
(127.0.0.1 by default). Streamlit re-runs a whole script per interaction, owns its own server
and websocket protocol, and phones home usage statistics unless configured not to.
"""

from riskcurve.dashboard.app import create_app, run

__all__ = ["create_app", "run"]
