"""The load benchmark's summary of several rounds."""

from scripts.bench import _ratio, ratios, summarize


def _run(endpoint: str, turn: int, rps: float, p99: float, errors: int = 0) -> dict:
    return {
        "endpoint": endpoint,
        "clients": 8,
        "round": turn,
        "requests": 2000,
        "rps": rps,
        "p50": p99 / 4,
        "p95": p99 / 2,
        "p99": p99,
        "errors": errors,
    }


ROUNDS = [
    _run("predict", 0, 200, 60),
    _run("healthz", 0, 1000, 10),
    _run("predict", 1, 300, 80, errors=1),
    _run("healthz", 1, 2000, 12),
    _run("predict", 2, 150, 70),
    _run("healthz", 2, 500, 30),
]


def test_summarize_gives_each_endpoints_medians_and_all_its_errors():
    predict, healthz = summarize(ROUNDS)

    assert (predict["endpoint"], predict["rps"], predict["p99"], predict["errors"]) == (
        "predict",
        200,
        70,
        1,
    )
    assert (healthz["endpoint"], healthz["rps"], healthz["p99"]) == ("healthz", 1000, 12)


def test_ratios_compare_the_endpoints_round_by_round():
    # Each round's predict over the same round's healthz: 0.2, 0.15 and 0.3.
    ratio = ratios(ROUNDS, 8)

    assert ratio == {"median": 0.2, "low": 0.15, "high": 0.3}
    assert _ratio(ratio) == "0.20 (0.15-0.30)"


def test_ratio_of_one_round_is_a_single_figure():
    ratio = ratios(ROUNDS[:2], 8)

    assert _ratio(ratio) == "0.20"


def test_ratio_whose_range_rounds_to_one_figure_is_that_figure():
    assert _ratio({"median": 0.221, "low": 0.219, "high": 0.224}) == "0.22"
