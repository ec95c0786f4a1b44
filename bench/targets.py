"""The performance targets (``bench/targets.toml``) checked against a run's figures.

A target is policygraph's figure for a workload divided by a reference's (the HTTP floor, the
engine floor, a peer), MET when the ratio is on the goal's side. The file says which figure, at
which concurrency, against what; this module only looks the figures up and divides.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bench import queries

FILE = Path(__file__).resolve().parent / "targets.toml"
#: The workload groups a target applies to: label → workload name.
GROUPS = {
    "deref": {name: f"deref_{name}" for name in queries.DEREF_FORMATS},
    "sparql": {name: name for name in queries.SPARQL_MIX},
    "sparql_unique": {name: name + queries.UNIQUE for name in queries.SPARQL_MIX},
}
MEASURES = ("rps", "p50_ms", "p99_ms")


@dataclass(frozen=True)
class Target:
    """One line of targets.toml (see its header for the meaning of each field)."""

    workloads: str
    measure: str
    ours: str | int
    reference: dict
    goal: float
    higher: bool
    title: str
    minus: dict | None = None
    #: The system whose figure is ``ours`` (the publisher, or its exported site behind nginx).
    system: str = "policygraph"

    def __post_init__(self) -> None:
        if self.workloads not in GROUPS:
            raise ValueError(f"unknown workload group {self.workloads!r} in {self.title!r}")
        if self.measure not in MEASURES:
            raise ValueError(f"unknown measure {self.measure!r} in {self.title!r}")


def load(path: Path = FILE) -> list[Target]:
    """The targets of ``path``, in order."""
    with open(path, "rb") as handle:
        return [Target(**entry) for entry in tomllib.load(handle)["target"]]


def case(results: dict, system: str, workload: str, connections: int) -> dict | None:
    """The measured case of a system's workload at a concurrency (None if not measured)."""
    found = (
        results["systems"].get(system, {}).get("cases", {}).get(workload, {}).get(str(connections))
    )
    return found if found and "rps" in found else None


def best(results: dict, system: str, workload: str, connections: list[int]):
    """(concurrency, case) with the highest throughput measured for that system and workload."""
    measured = [(c, case(results, system, workload, c)) for c in connections]
    return max(
        ((c, found) for c, found in measured if found),
        key=lambda m: m[1]["rps"],
        default=(None, None),
    )


def figure(results: dict, side: dict, workload: str, connections: list[int]):
    """(concurrency, case) of one side of a target: ``side`` is ``{system, workload, at}``."""
    name = workload if side.get("workload", "same") == "same" else side["workload"]
    if side["system"] == "engine":  # one figure per workload, measured in-process
        found = results["systems"].get("engine", {}).get("workloads", {}).get(name)
        return None, ({**found, "requests": 1} if found else None)
    at = side.get("at", "high")
    if at == "best":
        return best(results, side["system"], name, connections)
    level = {"high": max(connections), "low": min(connections)}.get(at, at)
    if level not in connections:
        return level, None
    return level, case(results, side["system"], name, level)


def check(target: Target, results: dict, label: str, connections: list[int]) -> dict | None:
    """One target for one workload: the ratio and MET or not; None when a side is missing.

    A side that completed no request gets no number: ours none, MISS; the reference none, MET.
    """
    workload = GROUPS[target.workloads][label]
    ours = {"system": target.system, "workload": "same", "at": target.ours}
    level, mine = figure(results, ours, workload, connections)
    their_level, theirs = figure(results, target.reference, workload, connections)
    floor = None
    if target.minus:
        _, floor = figure(results, target.minus, workload, connections)
    if mine is None or theirs is None or (target.minus and floor is None):
        return None
    title = target.title.format(
        label=label,
        goal=target.goal,
        high=max(connections),
        low=min(connections),
        level=level,
        their_level=their_level,
    )
    item = {"target": title, "goal": target.goal, "higher": target.higher, "value": None}
    key = target.measure
    if not mine["requests"]:
        item.update(met=False, note=f"{target.system} completed no request in the window")
    elif floor is not None:
        item["value"] = (mine[key] - floor[key]) / max(theirs[key], 1e-6)
    elif not theirs["requests"] or not theirs[key]:
        item.update(met=True, note="the reference completed no request in the window")
    else:
        item["value"] = mine[key] / theirs[key]
    if item["value"] is not None:
        item["met"] = (
            item["value"] >= target.goal if target.higher else item["value"] <= target.goal
        )
    return item


def ratios(results: dict, connections: list[int], targets: list[Target] | None = None) -> list:
    """Every target checked for every workload of its group; consecutive targets of one group are
    reported workload by workload."""
    targets = load() if targets is None else targets
    out = []
    for group, block in itertools.groupby(targets, key=lambda target: target.workloads):
        block = list(block)
        for label in GROUPS[group]:
            for target in block:
                item = check(target, results, label, connections)
                if item is not None:
                    out.append(item)
    return out
