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


# --- times (whole seconds): computed in Python from the ordered values, so every database
# gives the same numbers (docs/reports.md "Resoluciones").


def median_whole(values: list[int]) -> int | None:
    """The median of whole numbers: the middle value (odd count) or the mean of the two middle
    values (even count), rounded down; None for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) // 2


def percentile_nearest_rank(values: list[int], percent: int) -> int | None:
    """Nearest rank: the value at 1-based position ceil(percent/100 × n) of the ascending list."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    rank = -(-percent * n // 100)  # ceil in integers
    return ordered[max(rank, 1) - 1]


def average_half_up(values: list[int]) -> int | None:
    """sum / n rounded half up to a whole number; None for no values."""
    if not values:
        return None
    return (2 * sum(values) + len(values)) // (2 * len(values))


def percent_half_up(part: int, whole: int, *, decimals: int = 2) -> float | None:
    """100 × part / whole rounded half up to ``decimals`` places (integers, no float drift)."""
    if not whole:
        return None
    scale = 100 * 10**decimals
    return (2 * part * scale + whole) // (2 * whole) / 10**decimals


def duration_text(seconds: int | None, *, empty: str = "-") -> str:
    """A whole-second duration as the reports print it: "2 d 3 h", "1 h 05 min", "4 min 10 s"."""
    if seconds is None:
        return empty
    days, rest = divmod(int(seconds), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
