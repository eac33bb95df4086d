"""The curves panel: every run's metrics against samples, and a legend that says which run is which colour."""

from __future__ import annotations

import pytest

from amp_studio.gui.plots_panel import PlotsPanel
from amp_studio.gui.run_model import RunRecord


def _run(name: str, task: float) -> RunRecord:
    record = RunRecord(name=name)
    for i in range(1, 4):
        record.metrics.append({"iteration": i, "samples": 1000 * i, "task_reward_mean": task * i,
                               "disc_reward_mean": 1.0 / i})
    return record


def test_runs_are_overlaid_and_named_once_in_the_legend(qtbot):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.add_run(_run("task_0.1", 0.1))
    panel.add_run(_run("task_0.9", 0.9))
    xs, ys = panel.curve(1, "task_reward_mean").getData()
    assert xs.tolist() == [1000, 2000, 3000] and ys.tolist() == pytest.approx([0.9, 1.8, 2.7])
    assert [label.text for _, label in panel.legend.items] == ["task_0.1", "task_0.9"]


def test_every_plot_says_what_it_shows_and_which_way_is_good(qtbot):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    titles = [plot.titleLabel.text for plot in panel.plots]
    assert "envs that fell" in titles and "fall rate" not in titles
    for plot in panel.plots:
        tip = plot.toolTip()
        assert len(tip) > 30 and any(word in tip for word in ("Higher", "Lower", "Longer", "faster")), tip


def test_a_metric_no_run_recorded_is_said_not_left_blank(qtbot):
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    assert not any(note.isVisible() for note in panel.not_recorded)  # no runs: nothing to say
    panel.add_run(_run("old", 0.5))  # no fall_share: recorded before that metric existed
    shown = {plot.titleLabel.text for plot, note in zip(panel.plots, panel.not_recorded, strict=True)
             if note.isVisible()}
    assert "envs that fell" in shown and "task reward" not in shown and "style reward" not in shown


def test_the_legend_never_covers_the_not_recorded_note(qtbot):
    """A replayed model's row has no curves: its plots say so, and the legend (top right) gives way."""
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 300)  # small plots: a centred note and a corner legend would meet
    panel.show()
    legend_plot = panel.plots[0]
    note = panel.not_recorded[0]
    for name in ("walk (model)", "location (model)", "run (model)"):
        panel.add_run(RunRecord(name=name, status="replay"))
    assert note.isVisible() and not panel.legend.isVisible()
    panel.add_run(_run("trained", 0.5))  # a first curve on the legend's plot: the note goes, the legend returns
    assert not note.isVisible() and panel.legend.isVisible()
    assert legend_plot.sceneBoundingRect().contains(panel.legend.sceneBoundingRect().center())
    for plot_note in panel.not_recorded:
        assert not (plot_note.isVisible() and panel.legend.isVisible()
                    and plot_note.sceneBoundingRect().intersects(panel.legend.sceneBoundingRect()))
