import gc
import random
import time
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import scoring
from engine.scoring import Behaviour, Segment, Threshold

TODAY = date(2026, 6, 15)
HABITUAL = Behaviour(settled_count=10, on_time_ratio=0.9, avg_delay=2.0, max_delay=12.0)


# -- thresholds and segments ----------------------------------------------------------------

def test_behaviour_value():
    assert HABITUAL.value("on_time_ratio") == 0.9
    with pytest.raises(ValueError):
        HABITUAL.value("late_count")  # not a threshold metric


def test_threshold_holds():
    assert scoring.holds(HABITUAL, Threshold("on_time_ratio", "min", 0.9))
    assert not scoring.holds(HABITUAL, Threshold("on_time_ratio", "min", 0.95))
    assert scoring.holds(HABITUAL, Threshold("avg_delay", "max", 2.0))
    assert not scoring.holds(HABITUAL, Threshold("max_delay", "max", 10))
    assert not scoring.holds(HABITUAL, Threshold("avg_delay", "between", 2.0))
    assert not scoring.holds(HABITUAL, Threshold("colour", "max", 2.0))


def test_no_value_never_holds():
    nothing = Behaviour()
    assert not scoring.holds(nothing, Threshold("avg_delay", "max", 1000))
    assert not scoring.holds(nothing, Threshold("on_time_ratio", "min", 0))
    assert scoring.holds(nothing, Threshold("disputes", "max", 0))


SEGMENTS = (
    Segment(1, new_customers=True),
    Segment(2, (Threshold("on_time_ratio", "min", 0.8), Threshold("avg_delay", "max", 5))),
    Segment(3, (Threshold("avg_delay", "max", 30),)),
    Segment(4),  # catch-all
)


def test_first_matching_segment_in_sequence():
    assert scoring.choose_segment(HABITUAL, SEGMENTS, 3) == (2, "thresholds")
    late = Behaviour(settled_count=10, on_time_ratio=0.5, avg_delay=20)
    assert scoring.choose_segment(late, SEGMENTS, 3) == (3, "thresholds")


def test_catch_all_takes_the_rest():
    very_late = Behaviour(settled_count=10, on_time_ratio=0.1, avg_delay=80)
    assert scoring.choose_segment(very_late, SEGMENTS, 3) == (4, "thresholds")
    assert scoring.choose_segment(very_late, SEGMENTS[:3], 3) == (None, "none")


def test_short_history_goes_to_the_new_segment():
    assert scoring.choose_segment(Behaviour(settled_count=2, on_time_ratio=1, avg_delay=0), SEGMENTS, 3) == (1, "new")
    assert scoring.choose_segment(Behaviour(settled_count=3, on_time_ratio=1, avg_delay=0), SEGMENTS, 3) == (2, "thresholds")
    # without a segment of new customers, the thresholds decide
    assert scoring.choose_segment(Behaviour(settled_count=0), SEGMENTS[1:], 3) == (4, "thresholds")
    # the segment of new customers is never chosen by thresholds
    assert scoring.choose_segment(HABITUAL, SEGMENTS[:1], 3) == (None, "none")


def test_threshold_problems():
    assert scoring.threshold_problems(SEGMENTS[1].thresholds) == []
    assert scoring.threshold_problems([
        Threshold("on_time_ratio", "min", 1.5),
        Threshold("avg_delay", "max", -3),
        Threshold("broken_promises", "max", -1),
        Threshold("overdue_days", "min", 60),
        Threshold("overdue_days", "max", 30),
        Threshold("colour", "max", 1),
        Threshold("disputes", "between", 1),
    ]) == [
        ("ratio", "on_time_ratio"), ("negative", "avg_delay"), ("negative", "broken_promises"),
        ("operator", "colour"), ("operator", "disputes"), ("contradiction", "overdue_days"),
    ]
    assert scoring.threshold_problems([Threshold("on_time_ratio", "min", -0.1)]) == [("ratio", "on_time_ratio")]
    # equal bounds are no contradiction; a problem is said once
    assert scoring.threshold_problems([Threshold("max_delay", "min", 5), Threshold("max_delay", "max", 5)]) == []
    assert scoring.threshold_problems([Threshold("avg_delay", "max", -1)] * 2) == [("negative", "avg_delay")]


# -- expected delay, risk, rating, predicted date ------------------------------------------

def test_shrunk_delay():
    assert scoring.shrunk_delay(0, None, 12.0, 5) == 12.0
    assert scoring.shrunk_delay(0, 40.0, 12.0, 5) == 12.0
    assert scoring.shrunk_delay(5, 40.0, 10.0, 5) == pytest.approx(25.0)
    assert scoring.shrunk_delay(10_000, 40.0, 10.0, 5) == pytest.approx(40.0, abs=0.02)
    assert scoring.shrunk_delay(3, 40.0, None, 5) == 40.0
    assert scoring.shrunk_delay(0, None, None, 5) == 0.0


@given(st.integers(1, 10_000), st.floats(-100, 1000), st.floats(-100, 1000), st.floats(0, 100))
def test_shrunk_delay_lies_between_mean_and_prior(count, mean, prior, weight):
    value = scoring.shrunk_delay(count, mean, prior, weight)
    assert min(mean, prior) - 1e-6 <= value <= max(mean, prior) + 1e-6


def test_risk_score():
    # (3 + 10 x 0.2) / (5 + 10)
    assert scoring.risk_score(3, 5, 0.2, 10) == pytest.approx(1 / 3)
    assert scoring.risk_score(0, 0, 0.25, 10) == pytest.approx(0.25)
    assert scoring.risk_score(0, 0, 0.25, 0) == pytest.approx(0.25)


@given(st.integers(-5, 1000), st.integers(-5, 1000), st.floats(-1, 2), st.floats(0, 100))
def test_risk_score_stays_in_0_1(late, total, prior, weight):
    assert 0.0 <= scoring.risk_score(late, total, prior, weight) <= 1.0


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500), st.floats(0, 1), st.floats(0, 50))
def test_risk_score_grows_with_late_invoices(a, b, extra, prior, weight):
    low, high = sorted((a, b))
    total = high + extra
    assert scoring.risk_score(low, total, prior, weight) <= scoring.risk_score(high, total, prior, weight) + 1e-12


def test_rating_boundaries():
    limits = (0.1, 0.25, 0.5)
    assert [scoring.rating(r, limits) for r in (0.0, 0.1, 0.10001, 0.25, 0.3, 0.5, 0.51, 1.0)] == [
        "A", "A", "B", "B", "C", "C", "D", "D"]


def test_predicted_date():
    due = date(2026, 6, 1)
    assert scoring.predicted_date(due, 40.2, TODAY) == date(2026, 7, 11)
    assert scoring.predicted_date(due, 3, TODAY) == TODAY  # already overdue: today at the earliest
    assert scoring.predicted_date(date(2026, 7, 1), -4, TODAY) == date(2026, 6, 27)
    assert scoring.predicted_date(date(2026, 7, 1), None, TODAY) == date(2026, 7, 1)


@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.floats(-200, 400), st.dates(date(2020, 1, 1), date(2030, 1, 1)))
def test_predicted_date_never_before_today(due, delay, today):
    assert scoring.predicted_date(due, delay, today) >= today


@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.floats(-200, 400), st.dates(date(2020, 1, 1), date(2030, 1, 1)))
def test_the_expected_date_does_not_move_with_the_calendar(due, delay, today):
    """What is stored (the expected date) depends on the due date and the delay only; the
    prediction is it, or today once it has passed."""
    expected = scoring.expected_date(due, delay)
    assert (expected - due).days == round(delay)
    assert scoring.predicted_date(due, delay, today) == (expected if expected >= today else today)


# -- backtest ---------------------------------------------------------------------------------

def row(partner, invoice_date, settled_date, delay):
    return (partner, invoice_date, invoice_date + timedelta(days=30), settled_date, delay)


def test_backtest_hand_example():
    invoices = [
        row("A", date(2026, 1, 1), date(2026, 1, 10), 30.0),
        row("B", date(2026, 1, 1), date(2026, 1, 12), 0.0),
        row("A", date(2026, 2, 1), date(2026, 3, 15), 25.0),
    ]
    # A on Feb 1: n=1, mean 30, prior (30+0)/2 = 15, weight 2 -> (30 + 30) / 3 = 20
    result = scoring.backtest(invoices, date(2026, 2, 1), date(2026, 3, 31), weight=2)
    assert result == {"count": 1, "mae_days": pytest.approx(5.0), "mae_naive_days": pytest.approx(25.0),
                      "within_7_days_pct": 100.0, "improvement_pct": pytest.approx(80.0),
                      "bias_days": pytest.approx(-5.0)}


def test_backtest_window_forgets_old_settlements():
    invoices = [
        row("A", date(2025, 12, 1), date(2026, 1, 10), 30.0),
        row("B", date(2025, 12, 20), date(2026, 1, 25), 8.0),
        row("A", date(2026, 2, 1), date(2026, 3, 15), 25.0),
    ]
    # 10 days back from Feb 1: only B's settlement of Jan 25 counts, as the prior
    result = scoring.backtest(invoices, date(2026, 2, 1), date(2026, 3, 31), weight=2, window_days=10)
    assert result["mae_days"] == pytest.approx(17.0)
    result = scoring.backtest(invoices, date(2026, 2, 1), date(2026, 3, 31), weight=2, window_days=3)
    assert result["mae_days"] == pytest.approx(25.0)  # nothing known: predicts 0


def test_backtest_uses_no_future_information():
    invoices = [
        # invoiced first, but settled after the next invoice's date
        row("A", date(2026, 1, 1), date(2026, 3, 15), 100.0),
        row("A", date(2026, 3, 1), date(2026, 4, 1), 0.0),
        # settled on the very invoice date: not yet known
        row("B", date(2026, 1, 1), date(2026, 3, 1), 60.0),
    ]
    result = scoring.backtest(invoices, date(2026, 4, 1), date(2026, 4, 30), weight=1)
    assert result["count"] == 1
    # on March 1 neither A's first invoice nor B's was settled: what was known is that both
    # were 29 days past due (their real delays, 100 and 60, were not known yet)
    assert result["mae_days"] == 29.0 and result["bias_days"] == 29.0
    assert result["improvement_pct"] is None  # the naive error is 0


def test_backtest_without_invoices():
    assert scoring.backtest([], date(2026, 1, 1), date(2026, 12, 31), weight=3) == {
        "count": 0, "mae_days": None, "mae_naive_days": None, "within_7_days_pct": None,
        "improvement_pct": None, "bias_days": None}
    unsettled = [("A", date(2026, 1, 1), date(2026, 1, 31), None, None)]
    assert scoring.backtest(unsettled, date(2026, 1, 1), date(2026, 12, 31), weight=3)["count"] == 0


def history(partners, invoices_each, seed=1):
    """Monthly invoices at 30 days of `partners` customers, each with its own habit."""
    rnd = random.Random(seed)
    start = date(2025, 1, 1)
    rows = []
    for partner in range(partners):
        habit = rnd.choice((-2, 9, 38, 85))
        for month in range(invoices_each):
            invoice_date = start + timedelta(days=30 * month + rnd.randint(0, 5))
            due = invoice_date + timedelta(days=30)
            delay = round(rnd.gauss(habit, 4 + abs(habit) * 0.1))
            rows.append((partner, invoice_date, due, due + timedelta(days=delay), float(delay)))
    return rows


def test_backtest_beats_paying_on_the_due_date():
    result = scoring.backtest(history(60, 12), date(2025, 1, 1), date(2026, 12, 31), weight=3)
    assert result["count"] == 720
    assert result["mae_days"] <= 0.7 * result["mae_naive_days"]
    assert result["improvement_pct"] >= 30
    assert 0 <= result["within_7_days_pct"] <= 100


def test_backtest_scales_with_the_ledger():
    """Four times the ledger, about four times the time: a ratio, not a wall clock (these
    machines vary, and other suites run beside this one), measured as interleaved pairs, the
    collector off while timing, the best of three ratios kept."""
    ledgers = {customers: history(customers, 40, seed=2) for customers in (1250, 5000)}

    def timed(customers):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            result = scoring.backtest(ledgers[customers], date(2025, 1, 1), date(2028, 12, 31), weight=3,
                                      window_days=365)
            return time.perf_counter() - started, result
        finally:
            gc.enable()

    ratios = []
    for _ in range(3):
        small, _result = timed(1250)
        large, result = timed(5000)
        ratios.append(large / small)
    assert result["count"] == 200_000
    assert min(ratios) < 8, ratios  # four times the rows: linear (quadratic would be 16), room for noise


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 60), st.integers(0, 120), st.integers(-10, 100)),
                max_size=30),
       st.sampled_from((None, 20, 90)))
def test_backtest_matches_a_plain_rescan(raw, window):
    start = date(2026, 1, 1)
    rows = [(p, start + timedelta(days=i), start + timedelta(days=i + 30),
             start + timedelta(days=i + s), float(d)) for p, i, s, d in raw]
    date_from, date_to = start + timedelta(days=40), start + timedelta(days=150)
    errors = []
    for partner, invoice_date, _due, settled, delay in rows:
        if not date_from <= settled <= date_to:
            continue
        known = [r[:1] + (r[4],) for r in rows if r[3] < invoice_date
                 and (window is None or r[3] >= invoice_date - timedelta(days=window))]
        # past due and not settled yet on the invoice date: late by at least that much
        known += [(r[0], float((invoice_date - r[2]).days)) for r in rows if r[2] < invoice_date <= r[3]]
        own = [r[1] for r in known if r[0] == partner]
        prior = sum(r[1] for r in known) / len(known) if known else 0.0
        pred = scoring.shrunk_delay(len(own), sum(own) / len(own) if own else None, prior, 2)
        errors.append(abs(pred - delay))
    result = scoring.backtest(rows, date_from, date_to, weight=2, window_days=window)
    assert result["count"] == len(errors)
    if errors:
        assert result["mae_days"] == pytest.approx(sum(errors) / len(errors), abs=1e-6)


# -- channel effectiveness ---------------------------------------------------------------------

def test_effectiveness_counts_contacts_and_payments():
    rows = [(1, "sms", "friendly", True), (1, "sms", "firm", False), (1, "sms", "friendly", False),
            (1, "email", "friendly", True), (2, "sms", "friendly", True)]
    assert scoring.effectiveness(rows) == {
        "by_channel": {(1, "sms"): (3, 1), (1, "email"): (1, 1), (2, "sms"): (1, 1)},
        "by_tone": {(1, "sms", "friendly"): (2, 1), (1, "sms", "firm"): (1, 0),
                    (1, "email", "friendly"): (1, 1), (2, "sms", "friendly"): (1, 1)},
    }
    assert scoring.effectiveness([]) == {"by_channel": {}, "by_tone": {}}


def test_best_channel_follows_the_evidence():
    rates = {"email": (100, 20), "sms": (50, 15), "whatsapp": (40, 20)}
    assert scoring.best_channel(rates, ["email", "sms", "whatsapp"]) == ("whatsapp", "evidence")
    # a channel the customer may not receive is ignored
    assert scoring.best_channel(rates, ["email", "sms"]) == ("sms", "evidence")
    # too few contacts
    assert scoring.best_channel(rates, ["email", "sms", "whatsapp"], min_contacts=60) == ("email", "evidence")
    assert scoring.best_channel({"sms": (29, 29)}, ["sms", "email"]) == (None, "too_little_evidence")
    assert scoring.best_channel({}, ["sms"]) == (None, "too_little_evidence")
    assert scoring.best_channel(None, ["sms"]) == (None, "too_little_evidence")


def test_best_channel_ties_go_to_the_preferred_order():
    rates = {"email": (40, 10), "sms": (80, 20)}
    assert scoring.best_channel(rates, ["sms", "email"]) == ("sms", "evidence")
    assert scoring.best_channel(rates, ["email", "sms"]) == ("email", "evidence")


def test_expected_delay_counts_open_invoices_already_late():
    behaviour = scoring.Behaviour(settled_count=2, avg_delay=10.0, open_overdue_count=1, open_overdue_days=40)
    assert behaviour.known_delay() == (3, 20.0)
    assert scoring.expected_delay(behaviour, prior=0.0, weight=3) == pytest.approx(60 / 6)
    assert scoring.expected_delay(scoring.Behaviour(), prior=7.0, weight=3) == 7.0


def test_priors_per_segment_and_company():
    assignments = {
        1: (scoring.Behaviour(settled_count=4, avg_delay=0.0), 10),
        2: (scoring.Behaviour(settled_count=2, avg_delay=30.0, late_count=1, open_late_count=1,
                              open_overdue_count=1, open_overdue_days=60), 20),
    }
    priors = scoring.priors(assignments)
    assert priors[10] == (0.0, 0.0)
    assert priors[20] == (40.0, 2 / 3)
    assert priors[None] == (pytest.approx(120 / 7), pytest.approx(2 / 7))


def test_a_customer_who_does_not_pay_is_not_new():
    new = scoring.Segment(id=1, new_customers=True)
    everyone = scoring.Segment(id=9)
    unpaid = scoring.Behaviour(settled_count=1, avg_delay=80.0, open_overdue_count=5, open_overdue_days=600)
    assert scoring.choose_segment(unpaid, [new, everyone], min_history=3) == (9, "thresholds")
    assert scoring.choose_segment(scoring.Behaviour(settled_count=1), [new, everyone], 3) == (1, "new")


@given(st.dates(date(2026, 1, 1), date(2026, 3, 1)), st.sampled_from(sorted(scoring.COMPARISONS)),
       st.dates(date(2026, 1, 1), date(2026, 3, 1)), st.dates(date(2026, 1, 1), date(2026, 3, 1)))
def test_a_condition_on_the_predicted_date_is_one_on_the_expected_date(expected, comparison, value, today):
    """Searching open invoices by predicted date is searching them by expected date."""
    condition = scoring.expected_condition(comparison, value, today)
    holds = condition if isinstance(condition, bool) else scoring.COMPARISONS[condition[0]](expected, condition[1])
    assert holds == scoring.COMPARISONS[comparison](scoring.predicted_from_expected(expected, today), value)
