#!/usr/bin/env python3
"""Checks that the CI workflow runs every step of the test command, through the script itself.

ci.yml must not keep a second copy of the test steps: it calls `scripts/test.sh STEP...`, and
together those calls must name every step the script knows (its ALL_STEPS), each once, so that
a step added to the script cannot silently stay out of CI.

    ci_steps_check.py CI_WORKFLOW TEST_SCRIPT
"""

import re
import sys

import yaml


def script_steps(path):
    with open(path, encoding="utf-8") as handle:
        match = re.search(r"^ALL_STEPS=\(([^)]*)\)", handle.read(), re.M)
    if not match:
        sys.exit(f"FAIL no ALL_STEPS=(...) in {path}")
    return match.group(1).split()


def workflow_steps(path):
    with open(path, encoding="utf-8") as handle:
        workflow = yaml.safe_load(handle)
    calls = []
    for job_name, job in (workflow.get("jobs") or {}).items():
        for step in job.get("steps") or []:
            for line in str(step.get("run", "")).splitlines():
                found = re.search(r"scripts/test\.sh\b(.*)", line)
                if found:
                    calls.append((job_name, found.group(1).split()))
    return calls


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    expected = script_steps(sys.argv[2])
    calls = workflow_steps(sys.argv[1])
    problems = []
    if not calls:
        problems.append(f"{sys.argv[1]} never runs scripts/test.sh")
    named = []
    for job, steps in calls:
        if not steps:
            steps = list(expected)  # no argument: every step
        named += steps
        unknown = [s for s in steps if s not in expected]
        if unknown:
            problems.append(f"job {job}: unknown steps {unknown}")
    missing = [s for s in expected if s not in named]
    if missing:
        problems.append(f"steps of {sys.argv[2]} that CI never runs: {missing}")
    twice = sorted({s for s in named if named.count(s) > 1})
    if twice:
        problems.append(f"steps CI runs more than once: {twice}")
    for problem in problems:
        print(f"FAIL {problem}")
    if problems:
        sys.exit(1)
    print(f"CI runs every test step once: {' '.join(expected)}")


if __name__ == "__main__":
    main()
