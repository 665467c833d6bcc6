#!/usr/bin/env python3
"""gen_traces.py -- generate the bundled traces under scenarios/traces/.

Deterministic (fixed seeds, Python standard library only): running it again
writes the very same bytes, so the files can be checked in and regenerated.

  diurnal_week.csv    per-minute request counts over one week (Mon 2024-01-15
                      to Sun 2024-01-21, UTC): two daily peaks (late morning,
                      evening), weekends at ~60% with a later peak, slow
                      multiplicative noise (AR(1) on the log scale), a few
                      short bursts per day, Poisson counts.  Peak ~150 req/s.
  flash_crowd.csv     request timestamps (seconds, ms precision) of a flash
                      crowd: 20 req/s, at t=300 s a 30 s climb to +230 req/s,
                      then an exponential decay (time constant 150 s); 20 min.
  shop_access.log     15 minutes of an nginx/Apache Combined Log Format access
                      log (UTC+01:00) whose /api/report share grows from 3% to
                      30%, for the request-classes scenario.
  prom_rate.json      a saved Prometheus query_range response of
                      rate(http_requests_total[1m]) by instance (2 series,
                      6 h at a 15 s step), as `curl .../api/v1/query_range` returns.

Usage: scripts/gen_traces.py [OUT_DIR]   (default: scenarios/traces next to this script)
"""
import json
import math
import os
import random
import sys

START = 1705276800          # 2024-01-15T00:00:00Z, a Monday


def rfc3339(t):
    days, sod = divmod(int(t), 86400)
    # civil from days (H. Hinnant), to stay independent of the local time zone
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (m <= 2)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, m, d, sod // 3600, sod // 60 % 60, sod % 60)


def poisson(rng, mean):
    if mean <= 0:
        return 0
    if mean < 40:                                    # Knuth
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, int(round(rng.gauss(mean, math.sqrt(mean)))))


def daily_shape(h, weekend):
    """Relative load (0..1) at hour h of the day."""
    shift = 1.0 if weekend else 0.0
    v = (0.60 * math.exp(-((h - 11 - shift) / 3.2) ** 2)
         + 0.50 * math.exp(-((h - 20.5 - shift / 2) / 2.2) ** 2)
         + 0.35 * math.exp(-((h - 15 - shift) / 3.0) ** 2))
    return 0.12 + 0.88 * min(v, 1.0)


def diurnal_week(path):
    rng = random.Random(20240115)
    peak_per_min = 150 * 60
    day_factor = [1.0, 1.02, 1.0, 0.98, 0.93, 0.62, 0.55]       # Mon..Sun
    bursts = []                                                 # (start minute, length, factor)
    for day in range(7):
        for _ in range(3 + rng.randrange(3)):
            start = day * 1440 + rng.randrange(7 * 60, 23 * 60)
            bursts.append((start, rng.randrange(2, 9), rng.uniform(1.5, 3.0)))
    noise = 0.0
    with open(path, "w", newline="\n") as f:
        f.write("timestamp,count\n")
        for minute in range(7 * 1440):
            day, mod = divmod(minute, 1440)
            mean = peak_per_min * day_factor[day] * daily_shape(mod / 60.0, day >= 5)
            noise = 0.97 * noise + rng.gauss(0, 0.03)
            mean *= math.exp(noise)
            for start, length, factor in bursts:
                if start <= minute < start + length:            # quick rise, linear decay
                    mean *= 1 + (factor - 1) * (1 - (minute - start) / length)
            f.write("%s,%d\n" % (rfc3339(START + minute * 60), poisson(rng, mean)))


def flash_rate(t):
    base = 20.0
    if t < 300:
        return base
    if t < 330:
        return base + 230.0 * (t - 300) / 30
    return base + 230.0 * math.exp(-(t - 330) / 150.0)


def flash_crowd(path):
    rng = random.Random(4242)
    lam_max, t, end = 250.0, 0.0, 1200.0
    with open(path, "w", newline="\n") as f:
        f.write("timestamp\n")
        while True:                                             # thinning (Lewis-Shedler)
            t += rng.expovariate(lam_max)
            if t >= end:
                break
            if rng.random() * lam_max <= flash_rate(t):
                f.write("%.3f\n" % t)


MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def shop_access_log(path):
    rng = random.Random(777)
    start = START + 13 * 3600            # 13:00 UTC = 14:00 local (+01:00)
    dur, rate = 900.0, 6.0
    agents = ["Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (Macintosh)", "curl/8.4.0",
              "Mozilla/5.0 (iPhone)"]
    t = 0.0
    with open(path, "w", newline="\n") as f:
        while True:
            t += rng.expovariate(rate)
            if t >= dur:
                break
            report = 0.03 + 0.27 * t / dur
            u = rng.random()
            if u < report:
                p = "/api/report?month=%d" % rng.randrange(1, 13)
                size = rng.randrange(20000, 90000)
            elif u < report + 0.35:
                p = "/product/%d" % rng.randrange(1, 500)
                size = rng.randrange(3000, 12000)
            elif u < report + 0.55:
                p = "/static/app.%s" % rng.choice(["css", "js"])
                size = rng.randrange(8000, 40000)
            else:
                p = "/"
                size = rng.randrange(5000, 7000)
            local = start + int(t) + 3600
            days, sod = divmod(local, 86400)
            stamp = "%02d/%s/2024:%02d:%02d:%02d +0100" % (
                15 + days - (START // 86400), MONTHS[0], sod // 3600, sod // 60 % 60, sod % 60)
            ip = "10.0.%d.%d" % (rng.randrange(4), rng.randrange(1, 255))
            f.write('%s - - [%s] "GET %s HTTP/1.1" 200 %d "-" "%s"\n'
                    % (ip, stamp, p, size, rng.choice(agents)))


def prom_export(path):
    rng = random.Random(99)
    t0, step, n = START + 10 * 3600, 15, 6 * 240
    series = []
    for inst, share in (("webapp-1:8000", 0.55), ("webapp-2:8000", 0.45)):
        series.append({"metric": {"instance": inst, "job": "webapp"}, "values": []})
    noise = 0.0
    for i in range(n):
        h = i * step / 3600.0
        total = 20 + 40 * h / 6 + 25 * math.exp(-((h - 2.5) / 0.4) ** 2)
        noise = 0.9 * noise + rng.gauss(0, 0.02)
        total *= math.exp(noise)
        for s, share in zip(series, (0.55, 0.45)):
            v = total * share * (1 + rng.gauss(0, 0.03))
            s["values"].append([t0 + i * step, "%.4f" % max(v, 0)])
    body = {"status": "success", "data": {"resultType": "matrix", "result": series}}
    with open(path, "w", newline="\n") as f:
        json.dump(body, f, separators=(",", ":"))
        f.write("\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "scenarios", "traces")
    os.makedirs(out, exist_ok=True)
    diurnal_week(os.path.join(out, "diurnal_week.csv"))
    flash_crowd(os.path.join(out, "flash_crowd.csv"))
    shop_access_log(os.path.join(out, "shop_access.log"))
    prom_export(os.path.join(out, "prom_rate.json"))


if __name__ == "__main__":
    main()
