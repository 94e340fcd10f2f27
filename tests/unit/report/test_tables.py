"""Formatting of the report's tables: what a reader sees for each kind of number."""

from __future__ import annotations

import math

import pandas as pd

from riskcurve.report import tables as fmt
from riskcurve.report.tables import Column, html_table


def test_numbers_read_as_their_kind() -> None:
    assert fmt.percent(0.075127) == "7.5%"
    assert fmt.percent(-0.15, signed=True) == "-15.0%" and fmt.percent(0.046, signed=True) == "+4.6%"
    assert fmt.percent(0.6667, 0) == "67%"
    assert fmt.number(172.539993) == "172.54" and fmt.number(2442.73999) == "2,442.74"
    assert fmt.count(5.0) == "5" and fmt.count(1022) == "1,022"
    assert [fmt.p_value(p) for p in (0.6237, 0.043, 0.0042, 0.0004)] == ["0.62", "0.043", "0.0042", "<0.001"]
    assert fmt.ratio(1.04212) == "1.04x"
    assert fmt.day(pd.Timestamp("2025-09-18")) == "2025-09-18"
    for blank in (None, math.nan, pd.NaT):
        assert fmt.percent(blank) == fmt.number(blank) == fmt.count(blank) == fmt.p_value(blank) == ""
        assert fmt.day(blank) == fmt.text(blank) == ""


def test_html_table_formats_escapes_and_puts_long_notes_in_their_own_row() -> None:
    frame = pd.DataFrame({"h": [21, 63], "m": [0.075, -0.2], "v": ["short <b>", "too few events to conclude"]})
    out = html_table(
        frame,
        [Column("h", "horizon (bars)", fmt.count), Column("m", "mean return", fmt.percent)],
        note=lambda r: r["v"],
        row_id=lambda r: f"h{r['h']}",
    )
    assert "<th class='num'>horizon (bars)</th>" in out
    assert "<tr id='h21'><td class='num'>21</td><td class='num'>7.5%</td></tr>" in out
    assert "<td colspan='2'>short &lt;b&gt;</td>" in out  # escaped, full width
    assert out.count("note-row") == 2 and "-20.0%" in out


def test_raw_table_keeps_every_field_to_four_digits() -> None:
    out = fmt.raw_table(pd.DataFrame({"x": [0.0751274163], "d": [pd.Timestamp("2020-01-02")]}))
    assert "0.07513" in out and "2020-01-02" in out and "0.0751274163" not in out
