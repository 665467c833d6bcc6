# gen_series.awk -- the samples the PromQL engine is checked on against real
# Prometheus (tests/cli/test_promql_vs_prometheus.sh).  Deterministic: integer
# arithmetic only, values printed from integers, so every awk prints the same
# bytes.  Output: CSV series,timestamp,value (series CSV-quoted).
#
# Timeline 0..600 s.  Unless noted, timestamps lie on a 100 ms grid (promtool
# unit tests load samples on a fixed grid); series whose name starts with
# "jitter_" have millisecond jitter and are only used with the real server.
#
#   webapp_response_time_seconds{instance=app-K}  gauges, 5 s scrapes, phase
#        1.6 s x (K-1); app-3 stops after 293.2 s and gets a staleness marker at
#        its next scrape (298.2 s), then comes back at 423.2 s
#   webapp_requests_total{instance=app-K}          counters; app-2 starts at
#        12 (inside rate windows: the 2.42 zero clamp), resets at 251.6 s
#   webapp_request_duration_seconds_{bucket,sum,count}  classic histograms,
#        le 0.05 0.1 0.25 0.5 1 +Inf, same resets as the counters
#   edge_hist_bucket{case=...}   constant histograms for histogram_quantile's
#        edge cases: all in +Inf, all zero, no +Inf bucket, non-monotonic,
#        only a +Inf bucket, duplicate le spellings, the 0.55*100 case
#   irregular_gauge               irregular gaps (0.1 s to 21 s)
#   special_values{kind}          NaN, +Inf, -Inf among normal values
#   kahan_gauge{v}                seven 0.7, seven 0.1, the semantics.md list
#   fade_gauge                    last sample at 100 s, no marker (lookback)
#   dup_gauge{instance=app-1}     same labels as a response_time series
#   jitter_counter                5 s +- 3 ms steps (server only)

function q(s) { gsub(/"/, "\"\"", s); return "\"" s "\"" }
function ts(ms) { return sprintf("%d.%03d", int(ms / 1000), ms % 1000) }
function row(series, ms, v) { print q(series) "," ts(ms) "," v }
function milli(n) { return sprintf("%s%d.%03d", n < 0 ? "-" : "", int((n < 0 ? -n : n) / 1000), (n < 0 ? -n : n) % 1000) }

BEGIN {
    print "series,timestamp,value"
    split("0.05 0.1 0.25 0.5 1 +Inf", le, " ")
    for (k = 1; k <= 3; k++) {
        inst = "app-" k ":8080"
        base = "{instance=\"" inst "\",job=\"webapp\"}"
        phase = (k - 1) * 1600
        cnt = (k == 2) ? 12 : (k == 3 ? 1000 : 0)
        for (b = 1; b <= 6; b++) hb[b] = 0
        hsum = 0
        i = 0
        for (t = phase; t <= 600000; t += 5000) {
            i++
            if (k == 3 && t > 295000 && t < 420000) {       # gone: 298.2 .. 418.2
                if (!marked) row("webapp_response_time_seconds" base, t, "stale")
                marked = 1
                continue
            }
            if (k == 2 && t < 12000) continue
            rt = 80 + 37 * k + (i * 53 + k * 11) % 240           # milliseconds
            row("webapp_response_time_seconds" base, t, milli(rt))
            if (k == 2 && t == 251600) {                         # restart
                cnt = 2; for (b = 1; b <= 6; b++) hb[b] = 0; hsum = 0
            } else {
                cnt += 3 + (i * 7 + k) % 11
            }
            row("webapp_requests_total" base, t, cnt)
            n = 0
            for (b = 1; b <= 6; b++) {
                n += (i * (b + 2) + k * b) % (4 + b)
                hb[b] += n
            }
            hsum += 17 * k + i % 13
            for (b = 1; b <= 6; b++)
                row("webapp_request_duration_seconds_bucket{instance=\"" inst "\",job=\"webapp\",le=\"" le[b] "\"}", t, hb[b])
            row("webapp_request_duration_seconds_sum" base, t, milli(hsum * 10))
            row("webapp_request_duration_seconds_count" base, t, hb[6])
            if (k == 1) row("dup_gauge" base, t, milli(rt + 1))
        }
    }
    # histogram_quantile edge cases: constant buckets every 10 s
    ncase = split("inf zero noinf nonmono lone dup exact", cases, " ")
    spec["inf"] = "0.1:0 0.5:0 1:0 +Inf:10"
    spec["zero"] = "0.1:0 0.5:0 +Inf:0"
    spec["noinf"] = "0.1:3 0.5:7 1:10"
    spec["nonmono"] = "0.1:5 0.25:3 0.5:8 1:7 +Inf:10"
    spec["lone"] = "+Inf:10"
    spec["dup"] = "0.1:2 0.10:1 0.5:5 +Inf:9"
    spec["exact"] = "0.1:0 0.2:50 0.3:100 +Inf:100"
    for (c = 1; c <= ncase; c++) {
        nb = split(spec[cases[c]], bs, " ")
        for (t = 0; t <= 600000; t += 10000)
            for (j = 1; j <= nb; j++) {
                split(bs[j], kv, ":")
                row("edge_hist_bucket{case=\"" cases[c] "\",le=\"" kv[1] "\"}", t, kv[2])
            }
    }
    # irregular gaps
    split("1300 400 7900 2200 15000 100 900 21000 3300 5000 4900 12700 600 8800", gap, " ")
    t = 0; j = 0
    while (t <= 600000) {
        j++
        row("irregular_gauge{src=\"x\"}", t, milli((j * 389) % 1000 + 200))
        t += gap[(j - 1) % 14 + 1]
    }
    # special values
    split("1 NaN 3 +Inf 2 -Inf 5 4 NaN 0", sv, " ")
    j = 0
    for (t = 0; t <= 600000; t += 10000) { j++; row("special_values{kind=\"mixed\"}", t, sv[(j - 1) % 10 + 1]) }
    for (t = 0; t <= 600000; t += 10000) row("special_values{kind=\"inf\"}", t, (t / 10000) % 7 == 3 ? "+Inf" : (t / 10000) % 9)
    # Kahan examples: 7 samples 5 s apart, 100..130 s
    split("0.12 0.15 0.11 0.18 0.22 0.19 0.25", mixed, " ")
    for (j = 0; j < 7; j++) {
        row("kahan_gauge{v=\"0.7\"}", 100000 + 5000 * j, "0.7")
        row("kahan_gauge{v=\"0.1\"}", 100000 + 5000 * j, "0.1")
        row("kahan_gauge{v=\"mixed\"}", 100000 + 5000 * j, mixed[j + 1])
    }
    for (t = 0; t <= 100000; t += 20000) row("fade_gauge", t, t / 20000)
    # millisecond jitter (server only)
    c = 0; j = 0
    for (t = 0; t <= 600000; t += 5000) {
        j++
        c += 10 + j % 4
        row("jitter_counter{instance=\"j\"}", t + (j * 5) % 7 - 3 + (j == 1 ? 3 : 0), c)
    }
}
