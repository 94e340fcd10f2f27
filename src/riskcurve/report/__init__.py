"""Figures and reports: the same plotly charts for the HTML report, the PNG export and the dashboard.

:mod:`riskcurve.report.figures` turns signal frames, events and statistics results into
plotly figures, each stating its definition, the data range it shows and its sources.
"""
