"""The README gives one command that sets up and runs the tests; .ci/run runs exactly it,
and it runs every test: the quick suite, then the tests marked slow."""
import re
import shlex

from conftest import REPO


def readme_test_command() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"Set up and run the tests.*?```sh\n(.*?)\n```", text, re.S)
    assert block, "README has no 'Set up and run the tests' command block"
    return block.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    lines = [line for line in (REPO / ".ci/run").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[-1] == readme_test_command()


def test_the_command_runs_the_quick_suite_then_the_slow_one():
    steps = [shlex.split(step) for step in readme_test_command().split(" && ")]
    pytest_runs = [step for step in steps if step[:3] == ["python", "-m", "pytest"]]
    markers = [step[step.index("-m", 3) + 1] for step in pytest_runs]
    assert markers == ["not slow", "slow"]     # together: every test, nothing skipped


def test_the_command_checks_the_layers_contract_before_the_tests():
    steps = [step.strip() for step in readme_test_command().split(" && ")]
    assert "lint-imports" in steps
    assert steps.index("lint-imports") < steps.index("cd tests")
