"""The test runner's own tests (pure Python, run by `make test` in the pytest suite): how it
counts the tests each suite must run, and how it reads what Odoo and pytest report."""
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devenv  # noqa: E402

COMMON = '''
from odoo.tests import HttpCase
from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class Helpers:
    def test_not_a_test_case(self):
        pass


class BaseCaseOfOurs(Helpers, AccountTestInvoicingCommon):
    def _helper(self):
        pass
'''

TEST_ONE = '''
from odoo.tests import tagged, TransactionCase
from .common import BaseCaseOfOurs, Helpers


class Mixin:
    allow_inherited_tests_method = True

    def test_shared_a(self):
        pass

    def test_shared_b(self):
        pass


@tagged("post_install", "-at_install")
class TestPlain(BaseCaseOfOurs):
    def test_one(self):
        pass

    def test_two(self):
        pass

    def helper_test(self):
        pass


@tagged("post_install", "-at_install", "-standard", "special")
class TestSpecial(Mixin, BaseCaseOfOurs):
    def test_own(self):
        pass


@tagged("post_install", "-at_install")
class TestMixinWithoutFlag(Helpers, BaseCaseOfOurs):
    """Helpers has no allow_inherited_tests_method: only its own test runs."""
    def test_own(self):
        pass


@tagged("post_install", "-at_install", "-standard", "reliable")
class ReliableBase(TransactionCase):
    pass


class TestReliableChild(ReliableBase):
    def test_inherits_the_tags(self):
        pass


class NotACase(Mixin):
    def test_ignored(self):
        pass
'''

TEST_NOT_IMPORTED = '''
from odoo.tests import TransactionCase


class TestNeverLoaded(TransactionCase):
    def test_x(self):
        pass
'''


def write_tests(tmp_path):
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "__init__.py").write_text("from . import test_one\n")
    (tests / "common.py").write_text(textwrap.dedent(COMMON))
    (tests / "test_one.py").write_text(textwrap.dedent(TEST_ONE))
    (tests / "test_not_imported.py").write_text(textwrap.dedent(TEST_NOT_IMPORTED))
    return tests


def test_classes_as_odoos_loader_takes_them(tmp_path):
    classes = devenv.test_classes(write_tests(tmp_path))
    found = {name: (sorted(info["tags"]), info["tests"]) for (_module, name), info in classes.items()}
    assert found == {
        "TestPlain": (["post_install", "standard"], ["test_one", "test_two"]),
        # allow_inherited_tests_method: every inherited test, the shared base's helpers' too
        "TestSpecial": (["post_install", "special"],
                        ["test_not_a_test_case", "test_own", "test_shared_a", "test_shared_b"]),
        "TestMixinWithoutFlag": (["post_install", "standard"], ["test_own"]),
        "ReliableBase": (["post_install", "reliable"], []),
        "TestReliableChild": (["post_install", "reliable"], ["test_inherits_the_tags"]),
    }


def test_expected_counts_per_tag_spec(tmp_path):
    tests = write_tests(tmp_path)
    assert devenv.expected_tests(tests, "/account_cobranza") == 3  # the standard ones
    assert devenv.expected_tests(tests, "special/account_cobranza") == 4
    assert devenv.expected_tests(tests, "special") == 4
    assert devenv.expected_tests(tests, "reliable") == 1
    assert devenv.expected_tests(tests, "/account_cobranza,special") == 7
    assert devenv.expected_tests(tests, "/account_cobranza,-/account_cobranza:TestPlain") == 1
    assert devenv.expected_tests(tests, "/account_cobranza:TestPlain.test_one") == 1
    assert devenv.expected_tests(tests, "/other_module") == 0
    assert devenv.expected_tests(tests, "/account_cobranza", positions=("at_install",)) == 0


def test_the_addons_suites_hold_tests():
    """Each Odoo suite of `make test` selects some of the addon's tests."""
    for name in devenv.ODOO_SUITES:
        assert devenv.suite_expected(name) > 0, name


def test_odoos_summary_is_its_last_line():
    log = (
        "2026-01-01 10:00:00,000 1 INFO db odoo.tests.result: 0 failed, 0 error(s) of 0 tests "
        "when loading database 'db'\n"
        "2026-01-01 10:05:00,000 2 ERROR db odoo.tests.result: 1 failed, 2 error(s) of 33 tests "
        "when loading database 'db'\n")
    assert devenv.odoo_tests_run(log) == (1, 2, 33)
    assert devenv.odoo_tests_run("Traceback (most recent call last):\n  killed\n") is None


def test_a_count_mismatch_names_the_suite_and_both_counts():
    assert devenv.count_problem("l10n", 33, 33) is None
    problem = devenv.count_problem("l10n", 33, 12)
    assert "l10n" in problem and "12" in problem and "33" in problem


def test_pytest_collection_is_counted_by_node_ids():
    out = "tests/engine/test_a.py::test_x\ntests/engine/test_a.py::test_y[1]\n\n2 tests collected in 0.01s\n"
    assert devenv.collected_count(out) == 2
    assert devenv.collected_count("ERROR tests/engine/test_a.py\n1 error in 0.1s\n") is None


def test_the_median_of_full_bench_runs():
    """`make bench ARGS="--runs 3"`: every figure and goal the median of the runs'."""
    runs = [{"date": day, "goals": {"OCA run / our decision phase (>= 10)": ratio, "queries per charge": text},
             "steps": {"backlog day": {"seconds": seconds, "queries": 100}}}
            for day, ratio, text, seconds in (("d1", 9.2, "266 / 177", 300.0), ("d2", 10.4, "260 / 177", 280.0),
                                              ("d3", 9.99, "270 / 177", 330.0))]
    median = devenv.bench_median(runs)
    assert median["goals"]["OCA run / our decision phase (>= 10)"] == 9.99
    assert median["steps"]["backlog day"] == {"seconds": 300.0, "queries": 100}
    assert median["goals"]["queries per charge"] == "266 / 177"  # not a number: the first run's
    assert (median["runs"], median["dates"]) == (3, ["d1", "d2", "d3"])
