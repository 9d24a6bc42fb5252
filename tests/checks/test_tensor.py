"""Tensor verdicts: the order of checks, each hint, properties, gradients, call problems, and
published cases paired with their hidden twins."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.kind import Plan
from autograder.checks.tensor import (
    Expectations,
    Expected,
    call_problem,
    compare_array,
    compare_gradients,
    compare_output,
    describe,
    judge,
)
from autograder.models import ArrayValue, Call, CallResult, OpaqueValue

TOL = {"rtol": 1e-8, "atol": 1e-8}
F64 = "torch.float64"
EXPECTED = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])


def tensor(values, dtype: str = F64) -> ArrayValue:
    return ArrayValue(
        array=np.asarray(values, dtype=np.float64),
        origin="torch",
        dtype=dtype,
        type_name="torch.Tensor",
    )


def compare(got, expected=EXPECTED, dtype: str = F64, **kwargs) -> str | None:
    return compare_array(got, expected, dtype, **{**TOL, **kwargs})


# ---------------------------------------------------------------- matches


def test_an_exact_or_within_tolerance_result_passes():
    assert compare(tensor(EXPECTED)) is None
    assert compare(tensor(EXPECTED * (1 + 1e-10))) is None
    assert compare(tensor(3.0), np.array(3.0)) is None


def test_a_result_just_outside_the_tolerance_fails():
    assert compare(tensor(EXPECTED + 1e-6)) is not None


def test_a_complex_result_is_compared_as_complex():
    expected = np.array([1 + 2j, -1j])
    got = ArrayValue(array=expected.copy(), origin="torch", dtype="torch.complex128")
    assert compare_array(got, expected, "torch.complex128", **TOL) is None
    wrong = ArrayValue(array=expected.conj(), origin="torch", dtype="torch.complex128")
    assert "differs from the expected values" in compare_array(
        wrong, expected, "torch.complex128", **TOL
    )


# ---------------------------------------------------------------- order of checks


def test_none_asks_whether_the_return_was_forgotten():
    assert compare(None) == "the result is None: did you forget to return it?"


@pytest.mark.parametrize(
    ("got", "message"),
    [
        (
            OpaqueValue(type_name="builtins.function"),
            "the result is builtins.function, expected a torch.Tensor",
        ),
        (
            (tensor(EXPECTED), tensor(EXPECTED)),
            "the result is a tuple of 2, expected a torch.Tensor",
        ),
        ("tensor([1., 2.])", "the result is str, expected a torch.Tensor"),
        (1.5, "the result is float, expected a torch.Tensor"),
    ],
)
def test_a_value_that_is_not_an_array_names_its_type(got, message):
    assert compare(got) == message


def test_a_python_number_for_a_scalar_says_to_keep_the_tensor():
    message = compare(2.0, np.array(2.0))
    assert message == (
        "the result is a Python float; return a 0-d torch.Tensor (keep it a tensor, no .item())"
    )
    assert compare(2, np.array(2.0)).startswith("the result is a Python int;")


def test_a_numpy_array_is_refused_before_its_shape_is_looked_at():
    got = ArrayValue(
        array=np.zeros((7,)), origin="numpy", dtype="float64", type_name="numpy.ndarray"
    )
    assert compare(got) == (
        "the result is a numpy.ndarray, expected a torch.Tensor (use torch operations throughout)"
    )


@pytest.mark.parametrize(
    ("got", "first"),
    [
        # wrong shape, wrong dtype and a NaN: the shape is reported
        (
            tensor(np.full((3, 3), np.nan), dtype="torch.float32"),
            "has shape (3, 3), expected (2, 3)",
        ),
        # wrong dtype, a NaN and wrong values: the dtype is reported
        (
            tensor(np.where(EXPECTED > 0, np.nan, 0.0), dtype="torch.float32"),
            "has dtype torch.float32",
        ),
        # a NaN and wrong values: the NaN is reported
        (tensor(np.where(EXPECTED > 3, np.nan, 0.0)), "contains NaN at index (1, 1)"),
        # only wrong values
        (tensor(EXPECTED + 1), "differs from the expected values"),
    ],
)
def test_the_first_problem_in_order_is_the_one_reported(got, first):
    assert first in compare(got)


def test_dtype_message_names_both_dtypes_and_the_fix():
    message = compare(tensor(EXPECTED, dtype="torch.float32"))
    assert message == (
        "the result has dtype torch.float32, expected torch.float64: keep the dtype of the "
        "inputs (do not create tensors with a fixed dtype)"
    )


def test_what_names_the_thing_compared():
    assert (
        compare(None, what="the log-density")
        == "the log-density is None: did you forget to return it?"
    )


# ---------------------------------------------------------------- shape hints


@pytest.mark.parametrize(
    ("shape", "hint"),
    [
        ((3, 2), " (transposed?)"),
        ((2,), " (did you reduce over a dimension that should be kept, e.g. the batch?)"),
        ((), " (did you reduce over a dimension that should be kept, e.g. the batch?)"),
        ((2, 3, 1), " (a dimension was not reduced, or broadcasting added one)"),
        ((2, 4), ""),
    ],
)
def test_shape_messages_carry_a_hint_matching_the_mistake(shape, hint):
    message = compare(tensor(np.ones(shape)))
    assert message == f"the result has shape {shape}, expected (2, 3)" + hint


# ---------------------------------------------------------------- non-finite values


def test_nan_and_infinity_are_named_with_their_index():
    with_nan = EXPECTED.copy()
    with_nan[1, 2] = np.nan
    assert compare(tensor(with_nan)) == "the result contains NaN at index (1, 2)"
    with_inf = EXPECTED.copy()
    with_inf[0, 1] = -np.inf
    assert compare(tensor(with_inf)) == "the result contains infinity at index (0, 1)"


def test_the_finite_property_points_at_numerical_stability():
    got = EXPECTED.copy()
    got[0, 0] = np.inf
    assert compare(tensor(got), properties=("finite",)) == (
        "the result contains infinity at index (0, 0) on extreme inputs (use a numerically stable formula)"
    )


def test_infinity_where_the_reference_is_infinite_passes():
    expected = np.array([1.0, np.inf, -np.inf])
    assert compare(tensor(expected.copy()), expected) is None


@pytest.mark.xfail(strict=True, reason="NaN != NaN: a NaN where the reference has NaN is refused")
def test_nan_where_the_reference_is_nan_passes():
    expected = np.array([1.0, np.nan])
    assert compare(tensor(expected.copy()), expected) is None


@pytest.mark.xfail(
    strict=True,
    reason="the error at a non-finite expected entry is counted as 0, so the "
    "message points at a matching entry",
)
def test_a_wrong_sign_of_an_infinite_entry_is_located():
    expected = np.array([1.0, np.inf])
    assert "at index (1,)" in compare(tensor([1.0, -np.inf]), expected)


# ---------------------------------------------------------------- properties


def test_the_zero_property_reports_the_largest_value():
    zeros = np.zeros((2, 3))
    got = zeros.copy()
    got[1, 0] = -2.5e-3
    assert compare(tensor(got), zeros, properties=("zero",)) == (
        "the result must be 0 for these inputs, got max |value| 0.0025"
    )
    assert compare(tensor(zeros + 1e-10), zeros, properties=("zero",)) is None


def test_the_nonnegative_property_reports_the_smallest_value():
    expected = np.array([0.0, 1.0, 2.0])
    assert compare(tensor([0.0, -0.25, 2.0]), expected, properties=("nonnegative",)) == (
        "the result must be non-negative, got -0.25"
    )
    # a rounding error below the tolerance is not a negative value
    assert compare(tensor([-1e-12, 1.0, 2.0]), expected, properties=("nonnegative",)) is None


def test_without_the_property_a_negative_value_is_just_a_wrong_value():
    expected = np.array([0.0, 1.0, 2.0])
    assert "differs from the expected values" in compare(tensor([0.0, -0.25, 2.0]), expected)


# ---------------------------------------------------------------- value hints


def test_a_value_mismatch_reports_the_worst_entry():
    got = EXPECTED.copy()
    got[1, 1] = 4.5
    message = compare(tensor(got))
    assert message == (
        "the result differs from the expected values: max abs error 0.5, relative 0.125 at "
        "index (1, 1) (got 4.5, expected 4)"
    )


def test_a_flipped_sign_is_named():
    assert compare(tensor(-EXPECTED)).endswith("; the sign is flipped")


def test_a_constant_factor_is_named():
    assert compare(tensor(0.5 * EXPECTED)).endswith("; it is off by a constant factor of 0.5")


def test_a_transposed_square_matrix_is_named():
    expected = np.array([[1.0, 2.0], [3.0, 5.0]])
    assert compare(tensor(expected.T), expected).endswith(
        "; it equals the transpose of the expected matrix"
    )


def test_a_matching_total_points_at_the_reduction_or_ordering():
    assert compare(tensor(EXPECTED[:, ::-1])).endswith(
        "; the total matches, so the reduction or the ordering is off"
    )


def test_an_unrelated_error_gets_no_hint():
    got = EXPECTED.copy()
    got[0, 0] += 1.0
    message = compare(tensor(got))
    assert message.endswith("(got 2, expected 1)")
    assert ";" not in message


# ---------------------------------------------------------------- tuples


def test_a_tuple_output_is_compared_element_by_element():
    expected = (np.array([1.0, 2.0]), np.array(0.5))
    dtypes = (F64, F64)
    assert compare_output((tensor([1.0, 2.0]), tensor(0.5)), expected, dtypes, **TOL) is None
    assert compare_output((tensor([1.0, 2.0]), tensor(-0.5)), expected, dtypes, **TOL) == (
        "element 1 of the returned tuple differs from the expected values: max abs error 1, relative 2 at "
        "index () (got -0.5, expected 0.5); the sign is flipped"
    )


def test_a_tuple_of_the_wrong_length_or_a_single_tensor_is_refused():
    expected = (np.array([1.0, 2.0]), np.array(0.5))
    dtypes = (F64, F64)
    assert compare_output(tensor([1.0, 2.0]), expected, dtypes, **TOL) == (
        "expected a tuple of 2 tensors, got torch.Tensor"
    )
    three = (tensor([1.0, 2.0]), tensor(0.5), tensor(0.5))
    assert (
        compare_output(three, expected, dtypes, **TOL)
        == "expected a tuple of 2 tensors, got a tuple of 3"
    )


def test_a_single_output_is_compared_as_one_array_with_its_properties():
    assert compare_output(
        tensor([-1.0]), np.array([0.0]), F64, properties=("nonnegative",), **TOL
    ) == ("the result must be non-negative, got -1")


# ---------------------------------------------------------------- gradients


def grads_result(*grads) -> CallResult:
    return CallResult(id="q.0.0", ok=True, value=tensor(EXPECTED), grad=grads)


def test_matching_gradients_pass_and_unchecked_arguments_are_skipped():
    gx, gy = np.array([1.0, 2.0]), np.array([[0.5]])
    assert compare_gradients(grads_result(tensor(gx), tensor(gy)), [gx, gy], ["x", "y"]) is None
    # the reference has no gradient for y (an integer argument, say): whatever came back is not checked
    assert compare_gradients(grads_result(tensor(gx), None), [gx, None], ["x", "y"]) is None


def test_a_cut_graph_names_the_argument_and_the_usual_causes():
    gx = np.array([1.0, 2.0])
    assert compare_gradients(grads_result(None), [gx], ["mu"]) == (
        "no gradient flows back to mu: avoid .detach(), .item(), .numpy() and in-place tricks that cut "
        "the autograd graph"
    )


def test_a_wrong_gradient_names_the_argument_it_belongs_to():
    gx, gy = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    message = compare_gradients(
        grads_result(tensor(gx), tensor(2 * gy)), [gx, gy], ["x", "log_sigma"]
    )
    assert message.startswith(
        "the gradient with respect to log_sigma differs from the expected values"
    )
    assert message.endswith("; it is off by a constant factor of 2")


def test_an_argument_without_a_name_is_numbered():
    g = np.array([1.0])
    result = grads_result(tensor(g), tensor(g), None)
    assert compare_gradients(result, [g, g, g], ["x"]).startswith(
        "no gradient flows back to argument 3:"
    )


def test_gradients_that_could_not_be_computed_are_reported():
    result = CallResult(id="q.0.0", ok=True, value=tensor(EXPECTED), grad=None)
    assert compare_gradients(result, [np.ones(2)], ["x"]) == "gradients could not be computed"


# ---------------------------------------------------------------- call problems


def failed(error: str, traceback: str = "") -> CallResult:
    return CallResult(id="q.0.0", ok=False, error=error, traceback=traceback)


def test_a_call_that_returned_has_no_problem():
    assert call_problem(CallResult(id="q.0.0", ok=True, value=tensor(EXPECTED)), "scale") is None


def test_a_missing_result_is_an_error():
    assert call_problem(None, "scale") == ("error", "scale() produced no result")


def test_not_implemented_fails_rather_than_errors():
    assert call_problem(failed("NotImplementedError:  (line 12)"), "scale") == (
        "failed",
        "scale() is not implemented yet",
    )


def test_an_undefined_function_asks_for_the_exact_name():
    assert call_problem(failed("LookupError: scale is not defined"), "scale") == (
        "error",
        "scale() is not defined in your file: define it with this exact name",
    )


def test_a_timeout_suggests_a_loop_or_slowness():
    assert call_problem(failed("timed out"), "scale") == (
        "error",
        "scale() did not finish within its time limit (an infinite loop, or far too slow?)",
    )


def test_a_crash_carries_the_error_and_the_students_traceback():
    trace = '  File "tiny.py", line 9, in scale\n    return x / 0\nZeroDivisionError: division by zero\n'
    status, message = call_problem(
        failed("ZeroDivisionError: division by zero (line 9)", trace), "scale"
    )
    assert status == "error"
    assert message == (
        "scale() raised an error: ZeroDivisionError: division by zero (line 9)\n" + trace.strip()
    )


def test_a_crash_without_a_traceback_is_not_repeated():
    assert call_problem(failed("ValueError: bad"), "scale") == (
        "error",
        "scale() raised an error: ValueError: bad",
    )
    assert call_problem(failed("ValueError: bad", "ValueError: bad\n"), "scale") == (
        "error",
        "scale() raised an error: ValueError: bad",
    )


# ---------------------------------------------------------------- describe


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (tensor([1.0]), "torch.Tensor"),
        (
            ArrayValue(
                array=np.zeros(1), origin="numpy", dtype="float64", type_name="numpy.ndarray"
            ),
            "numpy.ndarray",
        ),
        (OpaqueValue(type_name="mymodule.Net"), "mymodule.Net"),
        ((1, 2, 3), "a tuple of 3"),
        ({"a": 1}, "dict"),
        (None, "NoneType"),
    ],
)
def test_describe_names_what_came_back(value, text):
    assert describe(value) == text


# ---------------------------------------------------------------- published cases and their hidden twins

PUBLISHED, FRESH, ZEROS = np.array([1.0, 2.0]), np.array([-3.0, 0.5]), np.zeros(2)
GRAD, FRESH_GRAD = np.array([0.1, 0.2]), np.array([0.3, -0.4])


def paired_plan(*, grads: bool = False) -> Plan:
    """A published random case with its hidden twin (index 2), and a fixed case with none."""

    def case(label, output, **more) -> Expected:
        return Expected(
            label=label, properties=(), output=output, dtypes=F64, rtol=1e-8, atol=1e-8, **more
        )

    cases = (
        case("batch", PUBLISHED, twin=2, grads=(GRAD,) if grads else None),
        case("zeros", ZEROS, fixed=True),
        case("batch", FRESH, hidden=True, grads=(FRESH_GRAD,) if grads else None),
    )
    calls = tuple(Call(id=f"q.0.{i}", kind="call", name="f") for i in range(3))
    expected = Expectations(function="f", arg_names=("x",), cases=cases)
    return Plan(question="q", kind="tensor", calls=calls, weight=1.0, expected=expected)


def returned(*values, grads=()) -> dict[str, CallResult]:
    return {
        f"q.0.{i}": CallResult(
            id=f"q.0.{i}",
            ok=True,
            value=tensor(v),
            grad=(tensor(grads[i]),) if i < len(grads) and grads[i] is not None else None,
        )
        for i, v in enumerate(values)
    }


def test_code_that_computes_passes_the_published_cases_and_their_twins():
    outcome = judge(paired_plan(), returned(PUBLISHED, ZEROS, FRESH))
    assert outcome.credit == 1 and outcome.feedback == "f(): all 2 checks passed"
    assert [d["case"] for d in outcome.evidence["cases"]] == ["batch", "zeros"]


def test_a_published_case_counts_only_when_its_twin_passes_and_a_lookup_scores_nothing():
    outcome = judge(paired_plan(), returned(PUBLISHED, ZEROS, ZEROS))
    assert outcome.credit == 0 and outcome.status == "failed"
    assert (
        "First problem: passes the published case 'batch' but not a fresh case drawn the same way: "
        "the function must compute the result, not look it up (on the fresh case: the result "
        "differs from the expected values" in outcome.feedback
    )
    # The fixed case passed, but the same inputs every time cannot tell computing from replaying.
    assert outcome.evidence["cases"] == [
        {"case": "batch", "ok": False},
        {"case": "zeros", "ok": False},
    ]


def test_honest_code_wrong_on_the_published_case_keeps_the_credit_it_earns():
    outcome = judge(paired_plan(), returned(2 * PUBLISHED, ZEROS, 2 * FRESH))
    assert outcome.credit == 0.5 and outcome.status == "partial"
    assert "First problem: case 'batch': the result differs" in outcome.feedback


def test_the_gradient_counts_only_when_the_twins_gradient_is_right_too():
    plan = paired_plan(grads=True)
    right = judge(plan, returned(PUBLISHED, ZEROS, FRESH, grads=(GRAD, None, FRESH_GRAD)))
    assert right.credit == 1 and right.feedback == "f(): all 3 checks passed"
    replayed = judge(plan, returned(PUBLISHED, ZEROS, FRESH, grads=(GRAD, None, GRAD)))
    assert replayed.credit == 2 / 3
    assert (
        "gradient check on 'batch': right on the published case but not on a fresh case drawn the "
        "same way (the gradient with respect to x differs" in replayed.feedback
    )


def test_a_twin_that_crashes_is_a_failed_fresh_case():
    results = returned(PUBLISHED, ZEROS)
    results["q.0.2"] = CallResult(id="q.0.2", ok=False, error="KeyError: 'unknown input'")
    outcome = judge(paired_plan(), results)
    assert outcome.credit == 0
    assert "(on the fresh case: f() raised an error: KeyError: 'unknown input')" in outcome.feedback
