/* fuzz_trace_inputs.c -- libFuzzer harness for the real-world readers: gzip input, nginx_json, gcp_lb,
 * alb, jtl, k6, locust, access logs with latency fields, request filters.
 * Build and run: make fuzz (Makefile); crashers go to tests/fuzz/regress/. */
#include "fuzz_trace_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_trace_inputs(data, size);
    return 0;
}
