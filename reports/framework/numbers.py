"""Numbers every report prints the same way."""


def percents_largest_remainder(counts: list[int], *, decimals: int = 2) -> list[float]:
    """Percents of the total with ``decimals`` places that add up to exactly 100 (if total > 0).

    Largest remainder method: floor every share to the unit (0.01 %), then give the leftover
    units to the largest remainders (ties to the earlier, i.e. larger, entry).
    """
    total = sum(counts)
    if total == 0:
        return [0.0 for _ in counts]
    scale = 100 * 10**decimals
    floors = [c * scale // total for c in counts]
    remainders = [c * scale % total for c in counts]
    leftover = scale - sum(floors)
    for index in sorted(range(len(counts)), key=lambda i: (-remainders[i], i))[:leftover]:
        floors[index] += 1
    return [round(units / 10**decimals, decimals) for units in floors]


def ordered_keys(counts: dict[str, int], order: list[str]) -> list[str]:
    """Keys with a count, largest first; ties in ``order``, so output is stable."""
    rank = {value: index for index, value in enumerate(order)}
    return sorted((k for k, n in counts.items() if n), key=lambda k: (-counts[k], rank.get(k, len(rank))))
