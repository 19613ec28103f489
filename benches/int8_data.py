#!/usr/bin/env python3
"""Writes the int8 benchmark's data, seeded, to target/int8/data.csv: 8,000
rows of 64 features and a 5-class label, each class a mixture of three
Gaussian blobs (centers drawn with standard deviation 0.5 per feature, unit
noise), so that no single hyperplane separates a class.

    python3 benches/int8_data.py
"""

import os
import random


def main():
    rng = random.Random(0)
    d, k, blobs, n = 64, 5, 3, 8000
    centers = [[[rng.gauss(0, 0.5) for _ in range(d)] for _ in range(blobs)] for _ in range(k)]
    os.makedirs("target/int8", exist_ok=True)
    with open("target/int8/data.csv", "w") as f:
        f.write(",".join(f"x{j}" for j in range(d)) + ",y\n")
        for _ in range(n):
            y = rng.randrange(k)
            center = centers[y][rng.randrange(blobs)]
            x = [c + rng.gauss(0, 1) for c in center]
            f.write(",".join(f"{v:.5f}" for v in x) + f",c{y}\n")


if __name__ == "__main__":
    main()
