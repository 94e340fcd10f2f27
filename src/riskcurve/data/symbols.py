"""The symbol catalogue: riskcurve names, what they are, and each provider's ticker for them.

riskcurve names follow the snapshot (``RUT``, ``BTC``, FRED ids for macro series). Live
providers map them to their own tickers here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from riskcurve._typing import CalendarName, SeriesKind
from riskcurve.errors import UnknownSymbolError


@dataclass(frozen=True)
class SymbolSpec:
    """What riskcurve knows about one symbol.

    Parameters
    ----------
    name
        The riskcurve symbol.
    kind
        ``"price"`` (OHLCV bars) or ``"value"`` (one number per date, with publication time).
    group
        The link of the risk curve or data family it belongs to.
    description
        Human description, shown in listings and reports.
    unit
        Unit of the stored numbers exactly as the source publishes them.
    calendar
        How its dates fall (exchange sessions, every day, weekly, monthly, business days).
    release
        Name of the publication-lag rule in :mod:`riskcurve.data.release` (value series only).
    yahoo, ccxt, coingecko, fred, defillama
        The ticker, market, coin id, series id or DefiLlama stablecoin id (``"all"`` for the total)
        at each provider; ``None`` if unsupported.
    live
        Live providers to try, in order of preference.
    basket
        Whether the coin votes in the altcoin basket (:data:`ALTCOINS`); coins a user imports
        join it too (``riskcurve import --basket``, :func:`riskcurve.data.panel.basket_coins`).
    """

    name: str
    kind: SeriesKind
    group: str
    description: str
    unit: str
    calendar: CalendarName
    release: str | None = None
    yahoo: str | None = None
    ccxt: str | None = None
    coingecko: str | None = None
    fred: str | None = None
    defillama: str | None = None
    live: tuple[str, ...] = ()
    basket: bool = False


def _index(name: str, description: str, yahoo: str, group: str, unit: str = "index points") -> SymbolSpec:
    return SymbolSpec(name, "price", group, description, unit, "exchange", yahoo=yahoo, live=("yahoo",))


def _coin(name: str, description: str, coingecko: str, *, basket: bool = True) -> SymbolSpec:
    return SymbolSpec(
        name,
        "price",
        "crypto",
        f"{description} in USD, UTC days",
        "USD",
        "crypto",
        yahoo=f"{name}-USD",
        ccxt=f"{name}/USD",
        coingecko=coingecko,
        live=("yahoo", "ccxt"),
        basket=basket,
    )


def _stablecoin(name: str, description: str, defillama: str) -> SymbolSpec:
    # Stored as a close-only daily "price" (supply, in USD) so lead-lag and studies take it like
    # any series; like a crypto close, the value of a UTC day is known by its end.
    return SymbolSpec(
        name, "price", "stablecoins", description, "USD", "crypto", defillama=defillama, live=("stablecoins",)
    )


def _fred(name: str, description: str, unit: str, calendar: CalendarName, release: str) -> SymbolSpec:
    return SymbolSpec(name, "value", "macro", description, unit, calendar, release=release, fred=name, live=("fred",))


_SPECS: tuple[SymbolSpec, ...] = (
    _index("RUT", "Russell 2000 index", "^RUT", "small caps"),
    SymbolSpec(
        "IWM",
        "price",
        "small caps",
        "iShares Russell 2000 ETF, dividend-adjusted",
        "USD",
        "exchange",
        yahoo="IWM",
        live=("yahoo",),
    ),
    _index("GSPC", "S&P 500 index", "^GSPC", "large caps"),
    _index("IXIC", "NASDAQ Composite index", "^IXIC", "large caps"),
    _index("NDX", "Nasdaq-100 index", "^NDX", "large caps"),
    # The close of 15:00 China time comes before the US open of the same day: a date's close is
    # known by its end in New York, as for any exchange close (no Yahoo copy: snapshot only).
    SymbolSpec(
        "STAR50",
        "price",
        "china",
        "Shanghai STAR Market 50 index (000688), closes at 15:00 China time",
        "index points (CNY)",
        "exchange",
    ),
    _index("GOLD", "Gold futures, front month continuous (COMEX GC=F)", "GC=F", "metals", "USD/oz"),
    _index("SILVER", "Silver futures, front month continuous (COMEX SI=F)", "SI=F", "metals", "USD/oz"),
    SymbolSpec("GOLD_LBMA", "price", "metals", "LBMA gold price, PM fix", "USD/oz", "business", live=()),
    # The basket is measured against BTC, and ETH is a link of its own.
    _coin("BTC", "Bitcoin", "bitcoin", basket=False),
    _coin("ETH", "Ethereum", "ethereum", basket=False),
    _coin("XRP", "XRP", "ripple"),
    _coin("LTC", "Litecoin", "litecoin"),
    _coin("DOGE", "Dogecoin", "dogecoin"),
    _coin("ADA", "Cardano", "cardano"),
    _coin("BNB", "BNB", "binancecoin"),
    _coin("SOL", "Solana", "solana"),
    _coin("LINK", "Chainlink", "chainlink"),
    _coin("TRX", "TRON", "tron"),
    _coin("AVAX", "Avalanche", "avalanche-2"),
    _coin("DOT", "Polkadot", "polkadot"),
    _coin("BCH", "Bitcoin Cash", "bitcoin-cash"),
    _coin("XLM", "Stellar", "stellar"),
    _stablecoin("STABLECOINS", "Stablecoin supply, all coins, in USD (DefiLlama)", "all"),
    _stablecoin("USDT_SUPPLY", "Tether (USDT) circulating supply (DefiLlama)", "1"),
    _stablecoin("USDC_SUPPLY", "USD Coin (USDC) circulating supply (DefiLlama)", "2"),
    _stablecoin("USDE_SUPPLY", "Ethena USDe circulating supply (DefiLlama)", "146"),
    _stablecoin("USDS_SUPPLY", "Sky Dollar (USDS) circulating supply (DefiLlama)", "209"),
    _stablecoin("DAI_SUPPLY", "Dai (DAI) circulating supply (DefiLlama)", "5"),
    # The snapshot's copy of DefiLlama's total (see STABLECOIN_TOTALS for how it meets STABLECOINS).
    SymbolSpec(
        "STABLECOIN_SUPPLY_TOTAL",
        "value",
        "stablecoins",
        "Stablecoin supply, all coins, daily snapshot (DefiLlama via the data snapshot, 6 significant digits)",
        "USD",
        "crypto",
        release="next_day",
    ),
    SymbolSpec(
        "BTC_SPOT_ETF_NETFLOW",
        "value",
        "crypto flows",
        "US spot-Bitcoin ETFs, daily net flow over all funds (Farside), per US trading day",
        "USD millions",
        "business",
        release="next_day",
    ),
    SymbolSpec(
        "CFTC_BTC_CME_OI",
        "value",
        "crypto leverage",
        "CME Bitcoin futures open interest, positions as of Tuesday (CFTC Commitments of Traders)",
        "contracts (5 BTC each)",
        "weekly",
        release="cftc",
    ),
    _fred("WALCL", "Fed total assets, Wednesday level", "USD millions", "weekly", "h41"),
    _fred("WRESBAL", "Reserve balances with Federal Reserve Banks, week average", "USD millions", "weekly", "h41"),
    _fred("WTREGEN", "Treasury General Account, week average", "USD millions", "weekly", "h41"),
    _fred("WSHOSHO", "Fed securities held outright, Wednesday level", "USD millions", "weekly", "h41"),
    _fred(
        "IRSTCI01JPM156N", "Japan call money rate (BoJ operating target proxy)", "percent", "monthly", "monthly_late"
    ),
    _fred("JPNASSETS", "Bank of Japan total assets", "100 million yen", "monthly", "monthly_late"),
    _fred(
        "RRPONTSYD",
        "Overnight reverse repurchase agreements, Treasuries sold",
        "USD billions",
        "business",
        "same_afternoon",
    ),
    _fred("DGS10", "10-year Treasury constant maturity yield", "percent", "business", "next_business_day"),
    _fred("DGS2", "2-year Treasury constant maturity yield", "percent", "business", "next_business_day"),
    _fred("T10Y2Y", "10-year minus 2-year Treasury yield spread", "percent", "business", "next_business_day"),
    _fred(
        "DFF", "Effective federal funds rate, daily including weekends", "percent", "crypto", "next_business_morning"
    ),
    _fred("EFFR", "Effective federal funds rate (NY Fed)", "percent", "business", "next_business_morning"),
    _fred("FEDFUNDS", "Effective federal funds rate, monthly average", "percent", "monthly", "next_month"),
    _fred("M2SL", "M2 money stock, seasonally adjusted, monthly", "USD billions", "monthly", "h6_monthly"),
    _fred("WM2NS", "M2 money stock, not seasonally adjusted, weekly", "USD billions", "weekly", "h6_weekly"),
    _fred("DTWEXBGS", "Nominal broad US dollar index", "index (Jan 2006 = 100)", "business", "h10"),
    _fred("VIXCLS", "CBOE volatility index (VIX) close", "index points", "business", "next_business_day"),
    _fred("BAMLH0A0HYM2", "ICE BofA US high yield option-adjusted spread", "percent", "business", "next_business_day"),
)

CATALOGUE: dict[str, SymbolSpec] = {spec.name: spec for spec in _SPECS}

#: The catalogue's altcoin basket, the risk curve's last link: the coins flagged ``basket``. A
#: store's basket adds the coins imported with ``riskcurve import --basket``
#: (:func:`riskcurve.data.panel.basket_coins`).
ALTCOINS: tuple[str, ...] = tuple(spec.name for spec in _SPECS if spec.basket)

#: The total stablecoin supply, in the order it is read: the live DefiLlama series first (a
#: close-only bar, known at the end of its UTC day), then the snapshot's copy of the same total
#: (a value series, known from the next day). Both are stored under their own names, and neither
#: overwrites the other; a reader of "the total" takes, on each day, the first of these that is
#: known and fresh on that day (:func:`riskcurve.signals.stablecoins.total_supply`). Signals that
#: read ``STABLECOINS`` by name (the net-liquidity panel) keep reading only it.
STABLECOIN_TOTALS: tuple[str, ...] = ("STABLECOINS", "STABLECOIN_SUPPLY_TOTAL")

MARKET_CAP_SUFFIX = "_MCAP"


def market_cap_spec(coin: str) -> SymbolSpec:
    """The value series holding a coin's market capitalisation (from CoinGecko).

    Parameters
    ----------
    coin
        A crypto symbol of the catalogue, e.g. ``"BTC"``.
    """
    base = lookup(coin)
    if base.coingecko is None:
        raise UnknownSymbolError(f"no market capitalisation source for {coin!r}", symbol=coin)
    return SymbolSpec(
        f"{coin}{MARKET_CAP_SUFFIX}",
        "value",
        "crypto market caps",
        f"{base.description.split(' in USD')[0]} market capitalisation",
        "USD",
        "crypto",
        release="end_of_day",
        coingecko=base.coingecko,
        live=("coingecko",),
    )


def lookup(symbol: str) -> SymbolSpec:
    """Return the catalogue entry of ``symbol``.

    Raises
    ------
    UnknownSymbolError
        If the symbol is not in the catalogue; the message lists the known ones.
    """
    name = symbol.strip().upper()
    if name in CATALOGUE:
        return CATALOGUE[name]
    if name.endswith(MARKET_CAP_SUFFIX) and name[: -len(MARKET_CAP_SUFFIX)] in CATALOGUE:
        return market_cap_spec(name[: -len(MARKET_CAP_SUFFIX)])
    known = ", ".join(sorted(CATALOGUE))
    raise UnknownSymbolError(f"unknown symbol {symbol!r}; known symbols: {known}", symbol=symbol)


def is_known(symbol: str) -> bool:
    """Whether ``symbol`` is in the catalogue (including ``<COIN>_MCAP`` series)."""
    try:
        lookup(symbol)
    except UnknownSymbolError:
        return False
    return True
