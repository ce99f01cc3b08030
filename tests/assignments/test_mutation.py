"""The hidden tests must catch at least 90% of the mutants of each solution that change
its behaviour (see mutation.py for how mutants are made, probed and graded) -- graded
in-kernel as ``nbgrader autograde`` does, and judged outside the kernel as
``gradlib-course`` does, with exactly the same mutants killed both ways."""

from __future__ import annotations

import pytest
from gradlib_course.notebooks import list_assignments

from conftest import REPO
from mutation import mutation_report
from samples.variants import load_probes

ASSIGNMENTS = list_assignments(REPO / "solutions")
PROBES = load_probes()
REQUIRED = 0.90


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_hidden_tests_kill_behaviour_changing_mutants(name):
    assert PROBES.get(name), f"tests/samples for {name} defines no PROBES"
    for notebook in ASSIGNMENTS[name]:
        mutants = mutation_report(notebook, PROBES[name])
        changing = [m for m in mutants if m.changes_behaviour]
        survivors = [m for m in changing if not m.killed]
        assert len(changing) >= 10, f"{notebook.name}: only {len(changing)} mutants to judge"
        score = 1 - len(survivors) / len(changing)
        report = "\n".join(f"  {m.cell} line {m.line}: {m.description}" for m in survivors)
        print(
            f"{notebook.name}: {len(mutants)} mutants, {len(changing)} change behaviour, "
            f"{len(changing) - len(survivors)} killed ({score:.1%})"
        )
        assert score >= REQUIRED, (
            f"{notebook.name}: mutation score {score:.1%}; survivors:\n{report}"
        )
        judged = mutation_report(notebook, PROBES[name], judged=True)
        verdict = {True: "killed", False: "survived"}
        differ = [
            f"  {m.cell} line {m.line}: {m.description} (in-kernel: {verdict[m.killed]}, "
            f"judged: {verdict[j.killed]})"
            for m, j in zip(mutants, judged, strict=True)
            if m.killed != j.killed
        ]
        assert not differ, f"{notebook.name}: judged outside the kernel, other verdicts:\n" + (
            "\n".join(differ)
        )
