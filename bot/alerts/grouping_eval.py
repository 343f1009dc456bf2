"""Scores for grouping: grouping accuracy (log parsing) and signal purity (triage).

Pure functions; the scripts in ``bench/`` feed them real data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


def grouping_accuracy(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """The standard grouping accuracy (GA) of log parsing (Zhu et al., ICSE-SEIP 2019).

    A line counts as correct iff the set of lines in its predicted group is
    exactly the set of lines in its ground-truth group. GA is the fraction of
    correct lines. (The same as logparser's ``evaluator.get_accuracy``.)
    """
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} predictions for {len(truth)} lines")
    if not truth:
        return 1.0
    by_pred: dict[Hashable, set[int]] = defaultdict(set)
    by_truth: dict[Hashable, set[int]] = defaultdict(set)
    for index, (p, t) in enumerate(zip(predicted, truth, strict=True)):
        by_pred[p].add(index)
        by_truth[t].add(index)
    correct = 0
    for members in by_pred.values():
        truths = {truth[i] for i in members}
        if len(truths) == 1 and by_truth[next(iter(truths))] == members:
            correct += len(members)
    return correct / len(truth)


NOISE_KINDS = ("flapping", "blip")  # labels of alerts that should land in noise signals


@dataclass(frozen=True)
class SignalScore:
    alerts: int
    signals: int
    actionable: int
    noise_signals: int
    compression: float           # 1 - actionable signals / alerts
    ideal_compression: float     # 1 - actionable true incidents / alerts: the best a pure grouping can do
    purity: float                # alert-weighted over all signals: share of alerts in their signal's majority incident
    purity_actionable: float     # the same over actionable signals only
    pure_signals: float          # share of signals whose alerts all belong to one incident
    mixed_signals: int           # signals that mix two or more true incidents
    tenant_mixed_signals: int    # signals with alerts of more than one tenant (must be 0)
    incidents: int               # actionable true incidents: with at least one alert not labelled noise
    incidents_split: int         # actionable incidents spread over more than one actionable signal
    noise_recall: float          # share of alerts labelled flapping/blip that landed in a noise signal
    noise_precision: float       # share of alerts in noise signals that are labelled flapping/blip


def score_signals(
    signals: Sequence[tuple[bool, Sequence[Hashable]]],
    incident_of: dict[Hashable, Hashable | None],
    tenant_of: dict[Hashable, str],
    noise_of: dict[Hashable, str | None] | None = None,
) -> SignalScore:
    """Score signals against true incidents.

    ``signals``: (is_noise, alert keys) per signal. ``incident_of``: each alert's
    true incident (``None``: belongs to none, never makes a signal impure).
    ``noise_of``: each alert's true noise label, if any: ``flapping`` and
    ``blip`` alerts should be in noise signals; other labels (``storm``,
    ``duplicate``: redundant alerts of a real incident) should sit with their
    incident. Without ``noise_of``, an alert without an incident counts as noise.
    """
    noise_of = noise_of if noise_of is not None else {
        k: ("blip" if v is None else None) for k, v in incident_of.items()}
    alerts = sum(len(keys) for _, keys in signals)
    actionable = sum(1 for noise, _ in signals if not noise)
    ok_all = n_all = ok_act = n_act = pure = labelled_signals = mixed = tenant_mixed = 0
    noise_in_noise = alerts_in_noise = 0
    incident_signals: dict[Hashable, set[int]] = defaultdict(set)
    for index, (noise, keys) in enumerate(signals):
        if len({tenant_of[k] for k in keys}) > 1:
            tenant_mixed += 1
        incidents = Counter(incident_of.get(k) for k in keys if incident_of.get(k) is not None)
        if noise:
            alerts_in_noise += len(keys)
            noise_in_noise += sum(1 for k in keys if noise_of.get(k) in NOISE_KINDS)
        else:
            for k in keys:
                if incident_of.get(k) is not None and noise_of.get(k) not in NOISE_KINDS:
                    incident_signals[incident_of[k]].add(index)
        if incidents:
            labelled_signals += 1
            top = incidents.most_common(1)[0][1]
            n_all += sum(incidents.values())
            ok_all += top
            if not noise:
                n_act += sum(incidents.values())
                ok_act += top
            if len(incidents) == 1:
                pure += 1
            else:
                mixed += 1
    noise_total = sum(1 for v in noise_of.values() if v in NOISE_KINDS)
    real_incidents = {incident_of[k] for k in incident_of
                      if incident_of[k] is not None and noise_of.get(k) not in NOISE_KINDS}
    return SignalScore(
        alerts=alerts,
        signals=len(signals),
        actionable=actionable,
        noise_signals=len(signals) - actionable,
        compression=1 - actionable / alerts if alerts else 0.0,
        ideal_compression=1 - len(real_incidents) / alerts if alerts else 0.0,
        purity=ok_all / n_all if n_all else 1.0,
        purity_actionable=ok_act / n_act if n_act else 1.0,
        pure_signals=pure / labelled_signals if labelled_signals else 1.0,
        mixed_signals=mixed,
        tenant_mixed_signals=tenant_mixed,
        incidents=len(real_incidents),
        incidents_split=sum(1 for s in incident_signals.values() if len(s) > 1),
        noise_recall=noise_in_noise / noise_total if noise_total else 1.0,
        noise_precision=noise_in_noise / alerts_in_noise if alerts_in_noise else 1.0,
    )
