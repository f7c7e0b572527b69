"""Baichuan 2's published ALiBi slope rule, written out independently of the plugin (tests only)."""

import math


def baichuan_interleave(n: int) -> list[float]:
    """`_get_interleave` from Baichuan2-13B's modeling_baichuan.py (the ALiBi paper's rule)."""

    def power_of_2(m):
        start = 2 ** (-(2 ** -(math.log2(m) - 3)))
        return [start * start**i for i in range(m)]

    if math.log2(n).is_integer():
        return power_of_2(n)
    closest = 2 ** math.floor(math.log2(n))
    return power_of_2(closest) + baichuan_interleave(2 * closest)[0::2][: n - closest]
