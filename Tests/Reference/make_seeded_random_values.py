"""Prints the values PipeBaseTests/SeededRandomTests pins, from the published algorithms (not from pipe's code):
xoshiro256** (Blackman & Vigna) seeded by four SplitMix64 outputs, and SplitMix64's finaliser as a counter-based draw.
Run: python3 Tests/Reference/make_seeded_random_values.py"""
M = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def splitmix(x):
    x = (x + GOLDEN) & M
    return x, mix(x)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def xoshiro(seed):
    state, x = [], seed
    for _ in range(4):
        x, value = splitmix(x)
        state.append(value)
    while True:
        s0, s1, s2, s3 = state
        result = (rotl((s1 * 5) & M, 7) * 9) & M
        t = (s1 << 17) & M
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
        state = [s0, s1, s2, s3]
        yield result


def with_parts(seed, *parts):
    for part in parts:
        _, seed = splitmix(seed ^ ((part * GOLDEN) & M))
    return xoshiro(seed)


def uniform(seed, index):
    return (mix((seed + (index + 1) * GOLDEN) & M) >> 40) / float(1 << 24)


stream = xoshiro(42)
print("seed 42:", [hex(next(stream)) for _ in range(3)])
stream = with_parts(7, 1, 2)
print("seed 7, parts 1 2:", [hex(next(stream)) for _ in range(2)])
print("uniform(seed: 5, index: 0, 1, 2, 1000):", [uniform(5, i) for i in (0, 1, 2, 1000)])
