"""Writes examples/data/signups.csv, a generated table with two date columns
for examples/signups.mlg and docs/language.md's dates section.

Each of 1,000 customers has a `signup` time (2020-2022; a third of them
written as a bare date) and a `last_seen` time up to 400 days later, a
`plan` and a monthly `spend`. A customer churns when they signed up on a
weekend or were last seen more than 200 days after signing up — one or the
other, not both — with 5 % of the labels flipped: a rule only the calendar
shows. Run from the repository root: `python scripts/make_signups.py`
(standard library only).
"""

import datetime
import random

rng = random.Random(20261207)
start = datetime.datetime(2020, 1, 1)
lines = ["signup,last_seen,plan,spend,churn"]
for i in range(1000):
    signup = start + datetime.timedelta(hours=rng.randrange(3 * 365 * 24))
    last = signup + datetime.timedelta(hours=rng.randrange(400 * 24))
    gap = (last.date() - signup.date()).days
    churn = (signup.weekday() >= 5) != (gap > 200)
    if rng.random() < 0.05:
        churn = not churn
    written = signup.strftime("%Y-%m-%dT%H:%M:%S") if i % 3 else signup.strftime("%Y-%m-%d")
    plan = rng.choice(["basic", "pro", "team"])
    spend = round(rng.uniform(5, 120), 2)
    lines.append(f"{written},{last.strftime('%Y-%m-%d %H:%M')},{plan},{spend},{'yes' if churn else 'no'}")
with open("examples/data/signups.csv", "w") as f:
    f.write("\n".join(lines) + "\n")
