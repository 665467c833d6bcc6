/* trace_input.c -- a trace's bytes: plain, or gzip inflated as they stream.
 *
 * A gzip file is recognised by its magic bytes 1f 8b (RFC 1952, 2.3.1), not
 * by its name, so `access.log.1.gz` renamed `access.log` still reads.  zlib's
 * inflate with windowBits 16+MAX_WBITS reads the gzip wrapper and checks its
 * CRC-32 and length; a file of several members (`cat a.gz b.gz`, or
 * logrotate's `delaycompress` output concatenated) is read member after
 * member, as gzip(1) does.  Memory: one 64 KiB input buffer and zlib's 32 KiB
 * window, whatever the file's size. */
#include "models/trace/trace_reader.h"

#include <errno.h>
#include <string.h>

#define ZIN_CAP (64u << 10)

int trace_input_open(asim_trace_reader *r)
{
    r->npre = fread(r->pre, 1, 2, r->f);
    r->ipre = 0;
    if (r->npre < 2 && ferror(r->f))
        return trace_fail_rc(r, ASIM_ERUNTIME, 0, "read error: %s", strerror(errno));
    if (r->npre == 2 && r->pre[0] == 0x1f && r->pre[1] == 0x8b) {
        r->gz = 1;
        r->zin = asim_malloc(ZIN_CAP);
        memset(&r->zs, 0, sizeof r->zs);
        if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK)
            return trace_fail_rc(r, ASIM_ERUNTIME, 0, "cannot start zlib's inflate");
        r->zs_on = 1;
    }
    return 0;
}

void trace_input_rewind(asim_trace_reader *r)
{
    r->npre = r->ipre = 0;             /* the file is read from its first byte again */
    if (r->gz) {
        inflateReset(&r->zs);
        r->zs.avail_in = 0;
        r->zin_eof = r->zend = 0;
    }
}

void trace_input_close(asim_trace_reader *r)
{
    if (r->zs_on) inflateEnd(&r->zs);
    r->zs_on = 0;
    asim_free(r->zin);
    r->zin = NULL;
}

static long plain_read(asim_trace_reader *r, unsigned char *dst, size_t n)
{
    size_t got = 0;
    while (r->ipre < r->npre && got < n) dst[got++] = r->pre[r->ipre++];
    got += fread(dst + got, 1, n - got, r->f);
    if (got == 0 && ferror(r->f))
        return trace_fail_rc(r, ASIM_ERUNTIME, 0, "read error: %s", strerror(errno));
    return (long)got;
}

/* Refill zlib's input; 0 or -1. */
static int refill(asim_trace_reader *r)
{
    size_t k = 0;
    while (r->ipre < r->npre) r->zin[k++] = r->pre[r->ipre++];
    k += fread(r->zin + k, 1, ZIN_CAP - k, r->f);
    if (k < ZIN_CAP && ferror(r->f))
        return trace_fail_rc(r, ASIM_ERUNTIME, 0, "read error: %s", strerror(errno));
    if (k == 0) r->zin_eof = 1;
    r->zs.next_in = r->zin;
    r->zs.avail_in = (uInt)k;
    return 0;
}

long trace_input_read(asim_trace_reader *r, void *dst, size_t n)
{
    if (r->rc) return -1;
    if (!r->gz) return plain_read(r, dst, n);
    if (n > (1u << 30)) n = 1u << 30;
    z_stream *z = &r->zs;
    z->next_out = dst;
    z->avail_out = (uInt)n;
    while (z->avail_out == n) {
        if (z->avail_in == 0 && !r->zin_eof && refill(r) < 0) return -1;
        if (r->zend) {                 /* a member ended: the end, or another member */
            if (z->avail_in == 0 && r->zin_eof) return 0;
            inflateReset(z);
            r->zend = 0;
        }
        if (z->avail_in == 0 && r->zin_eof)
            return trace_fail_rc(r, ASIM_EINPUT, 0, "gzip data ends early (a truncated file?)");
        int zr = inflate(z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) r->zend = 1;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            return trace_fail_rc(r, ASIM_EINPUT, 0, "not valid gzip data (%s)",
                                 z->msg ? z->msg : zr == Z_MEM_ERROR ? "out of memory" : "corrupt");
    }
    return (long)(n - z->avail_out);
}
