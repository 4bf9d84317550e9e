/*
 * The string codec of the launcher runtime, compiled: the same modes, results, messages and exit
 * statuses as string-codec.pl (src/emitter/runtime), at the speed of a byte loop instead of an
 * interpreter's. The controller builds it once per machine with the system's C compiler
 * (native-codec.ts) and hands launchers its path in TW_STRING_CODEC_BIN; a launcher without it
 * uses the Perl codec. Plain C99 and POSIX read/write: nothing else is linked.
 *
 * Modes (stdin is the value to convert; FILE is created or truncated for the result):
 *   decode FILE       a JSON string (white space around it allowed) -> its text, UTF-8
 *   decode-line FILE  the same, plus a newline unless the text is empty or ends with one (@stdio)
 *   value             the same as decode, for a value that becomes a variable or an argument:
 *                     prints `ok`, NUL, the text (no NUL in it); for a bad value `no`, NUL, the reason
 *   encode FILE       text -> a JSON string: ASCII, `\uXXXX` escapes (lower-case hex, surrogate
 *                     pairs above U+FFFF) and \" \\ \n \r \t \b \f, as Python's json.dumps writes
 *                     it, minus one trailing newline (the line end `echo` writes)
 *   version           prints the codec's protocol version (the launcher checks it)
 *
 * Strict both ways: text must be UTF-8 (no surrogates, nothing above U+10FFFF, no overlong forms),
 * and a JSON string must be exactly one string with valid escapes and no lone surrogate. Where a
 * value has several faults, the first one in the input is reported.
 * Exit status: 0; 1 for a bad value (the reason on stderr, one line, in words that follow
 * "input 'port' " or "output 'port' "); 2 when FILE cannot be written (stderr: `cannot write:
 * <reason>`); 3 when stdin cannot be read; 64 for a wrong use.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VERSION "1"
/* The tests build it with tiny blocks too, so that every escape and character meets a block end. */
#ifndef BLOCK
#define BLOCK (1 << 20)
#endif
#if BLOCK < 16
#error "BLOCK must hold the longest escape (12 bytes) and more"
#endif
/* Room kept at the end of the output buffer: the longest escape one input character becomes. */
#define SLACK 16

enum mode { DECODE, DECODE_LINE, VALUE, ENCODE };
static enum mode mode;

/* Input: a block of stdin; `at` is the next byte, `offset` the input offset of in[0]. */
static unsigned char in[BLOCK + SLACK];
static size_t in_len, at;
static long long offset;
static int eof;

/* Output: written to `out_fd` when full; in value mode kept whole in `value` instead. */
static unsigned char out[BLOCK + SLACK];
static size_t out_len;
static int out_fd = -1;
static unsigned char *value;
static size_t value_len, value_cap;
static int any_text;
static unsigned char last_byte;

static void bad(const char *format, ...) {
    char why[256];
    va_list args;
    va_start(args, format);
    vsnprintf(why, sizeof why, format, args);
    va_end(args);
    if (mode == VALUE) {
        fputs("no", stdout);
        fputc('\0', stdout);
        fputs(why, stdout);
        fflush(stdout);
    } else {
        fprintf(stderr, "%s\n", why);
    }
    exit(1);
}

static void cannot_write(void) {
    fprintf(stderr, "cannot write: %s\n", strerror(errno));
    exit(2);
}

static void write_all(int fd, const unsigned char *data, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n < 0) {
            if (errno == EINTR) continue;
            cannot_write();
        }
        data += n;
        length -= (size_t)n;
    }
}

static void flush(void) {
    if (out_len == 0) return;
    any_text = 1;
    last_byte = out[out_len - 1];
    if (mode == VALUE) {
        if (value_len + out_len > value_cap) {
            value_cap = (value_len + out_len) * 2;
            value = realloc(value, value_cap);
            if (value == NULL) {
                fputs("cannot read: out of memory\n", stderr);
                exit(3);
            }
        }
        memcpy(value + value_len, out, out_len);
        value_len += out_len;
    } else {
        write_all(out_fd, out, out_len);
    }
    out_len = 0;
}

/* Makes at least `want` bytes available from `at` unless the input ends first; returns how many are. */
static size_t fill(size_t want) {
    if (in_len - at >= want || eof) return in_len - at;
    memmove(in, in + at, in_len - at);
    offset += (long long)at;
    in_len -= at;
    at = 0;
    while (in_len < want && !eof) {
        ssize_t n = read(0, in + in_len, BLOCK - in_len);
        if (n < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "cannot read: %s\n", strerror(errno));
            exit(3);
        }
        if (n == 0) eof = 1;
        in_len += (size_t)n;
    }
    return in_len;
}

/* The length of the well-formed UTF-8 character (RFC 3629) of 2 to 4 bytes at p (n bytes available), or 0. */
static size_t wide(const unsigned char *p, size_t n) {
    unsigned char c = p[0];
    if (c >= 0xc2 && c <= 0xdf) return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return n >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return n >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

static void not_utf8(void) {
    bad("is not valid UTF-8 text (byte 0x%02x at offset %lld)", in[at], offset + (long long)at);
}

/* A UTF-8 character of 2 to 4 bytes at `at`: its length, or the task fails. */
static size_t utf8_char(void) {
    size_t available = fill(4); /* first: it may move `at` */
    size_t n = wide(in + at, available);
    if (n == 0) not_utf8();
    return n;
}

/* Eight bytes at a time: whether any byte of w is below 0x20, at or above `top` (0x7f or 0x80),
 * a quote or a backslash. Text between escapes is mostly long runs of such plain bytes. */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
static int special8(uint64_t w, unsigned top) {
    uint64_t quote = w ^ (ONES * '"'), slash = w ^ (ONES * '\\'), del = w ^ (ONES * (top & 0x7f));
    uint64_t zero = ((quote - ONES) & ~quote) | ((slash - ONES) & ~slash) | ((w - ONES * 0x20) & ~w);
    if (top == 0x7f) zero |= (del - ONES) & ~del;
    return ((zero | w) & HIGHS) != 0;
}

/* The end of the run of plain bytes from `from` (at most `end`): whole words first, then bytes. */
static size_t plain_run(size_t from, size_t end, unsigned top, const unsigned char *table) {
    uint64_t w;
    while (from + 8 <= end) {
        memcpy(&w, in + from, 8);
        if (special8(w, top)) break;
        from += 8;
    }
    while (from < end && table[in[from]]) from++;
    return from;
}

/* Copies the run of plain bytes at `at` to the output as it is, at most what fits there (flushing
 * it first when full); returns 1 when a byte that is not plain stops the run, 0 when the input
 * block or the room ended it. */
static int copy_plain(unsigned top, const unsigned char *table) {
    if (out_len >= BLOCK) flush();
    size_t room = BLOCK - out_len, end = in_len - at < room ? in_len : at + room, start = at;
    at = plain_run(at, end, top, table);
    memcpy(out + out_len, in + start, at - start);
    out_len += at - start;
    return at < end;
}

/* --- decoding --------------------------------------------------------------------------------- */

/* 1 for the bytes of a JSON string's body that stand for themselves. */
static unsigned char plain[256];

static int hex_digit(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The code unit of the `\uXXXX` escape at p (6 bytes available), or -1. */
static long unit_at(const unsigned char *p) {
    long u = 0;
    if (p[0] != '\\' || p[1] != 'u') return -1;
    for (int i = 2; i < 6; i++) {
        int d = hex_digit(p[i]);
        if (d < 0) return -1;
        u = u * 16 + d;
    }
    return u;
}

static void lone(const unsigned char *escape) {
    bad("holds a lone surrogate (\\u%.4s), which no UTF-8 text can carry", (const char *)escape + 2);
}

static void put_utf8(unsigned long cp) {
    unsigned char *o = out + out_len;
    if (cp < 0x80) {
        *o++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *o++ = (unsigned char)(0xc0 | cp >> 6);
        *o++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *o++ = (unsigned char)(0xe0 | cp >> 12);
        *o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        *o++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (unsigned char)(0xf0 | cp >> 18);
        *o++ = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
        *o++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        *o++ = (unsigned char)(0x80 | (cp & 0x3f));
    }
    out_len = (size_t)(o - out);
}

/* Whether no quote closes the string in the rest of the input, all of which is in the block (the
 * input ended within an escape): then the missing quote is the fault, as the Perl codec names it. */
static int unclosed(void) {
    for (size_t i = at; i < in_len; i++) {
        if (in[i] == '\\') i++;
        else if (in[i] == '"') return 0;
    }
    return 1;
}

/* The escape at `at` (a backslash): its text goes to the output. */
static void unescape(void) {
    size_t n = fill(12);
    unsigned char e = n >= 2 ? in[at + 1] : 0;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *simple = e != 0 ? strchr(from, e) : NULL;
    if (simple != NULL) {
        out[out_len++] = (unsigned char)to[simple - from];
        at += 2;
        return;
    }
    long u = n >= 6 ? unit_at(in + at) : -1;
    if (u < 0) {
        /* Fewer than 6 bytes: the input ends within the escape. */
        if (n < 6 && unclosed()) bad("is not a valid JSON string (it has no closing quote)");
        if (e < 0x20) bad("is not a valid JSON string (a control character is not escaped)");
        if (e >= 0x80) {
            at++;
            utf8_char();
        }
        if (e >= 0x21 && e <= 0x7e) bad("is not a valid JSON string (a bad escape \\%c)", e);
        bad("is not a valid JSON string (a bad escape \\)");
    }
    if (u >= 0xd800 && u <= 0xdbff) {
        long low = n >= 12 ? unit_at(in + at + 6) : -1;
        if (low < 0xdc00 || low > 0xdfff) {
            if (n < 12 && unclosed()) bad("is not a valid JSON string (it has no closing quote)");
            lone(in + at);
        }
        put_utf8(0x10000 + ((unsigned long)(u - 0xd800) << 10) + (unsigned long)(low - 0xdc00));
        at += 12;
        return;
    }
    if (u >= 0xdc00 && u <= 0xdfff) lone(in + at);
    if (u == 0 && mode == VALUE) bad("holds a NUL character, which no argument or environment value can hold");
    put_utf8((unsigned long)u);
    at += 6;
}

static int space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void decode(void) {
    for (int c = 0x20; c < 0x80; c++) plain[c] = c != '"' && c != '\\';
    /* The opening quote, after white space. */
    for (;;) {
        if (fill(1) == 0) bad("is not a valid JSON string");
        if (!space(in[at])) break;
        at++;
    }
    if (in[at] != '"') bad("is not a valid JSON string");
    at++;
    for (;;) {
        if (at == in_len && fill(1) == 0) bad("is not a valid JSON string (it has no closing quote)");
        if (!copy_plain(0x80, plain)) continue;
        unsigned char c = in[at];
        if (c == '"') {
            at++;
            break;
        }
        if (c == '\\') {
            unescape();
        } else if (c < 0x20) {
            bad("is not a valid JSON string (a control character is not escaped)");
        } else {
            size_t n = utf8_char();
            memcpy(out + out_len, in + at, n);
            out_len += n;
            at += n;
        }
    }
    flush();
    /* After the closing quote, white space only. */
    for (;;) {
        if (at == in_len && fill(1) == 0) break;
        if (!space(in[at])) bad("is not a valid JSON string (more follows the closing quote)");
        at++;
    }
    if (mode == VALUE) {
        fputs("ok", stdout);
        fputc('\0', stdout);
        if (value_len > 0 && fwrite(value, 1, value_len, stdout) != value_len) cannot_write();
        if (fflush(stdout) != 0) cannot_write();
    } else if (mode == DECODE_LINE && any_text && last_byte != '\n') {
        write_all(out_fd, (const unsigned char *)"\n", 1);
    }
}

/* --- encoding --------------------------------------------------------------------------------- */

static const char HEX[] = "0123456789abcdef";

static void put_unit(unsigned long u) {
    unsigned char *o = out + out_len;
    o[0] = '\\';
    o[1] = 'u';
    o[2] = (unsigned char)HEX[u >> 12 & 15];
    o[3] = (unsigned char)HEX[u >> 8 & 15];
    o[4] = (unsigned char)HEX[u >> 4 & 15];
    o[5] = (unsigned char)HEX[u & 15];
    out_len += 6;
}

static void encode(void) {
    /* What each ASCII byte becomes: 0 itself, a letter its two-character escape, 'u' \u00XX. */
    static unsigned char escape[128], same[256];
    for (int c = 0; c < 0x20; c++) escape[c] = 'u';
    escape[0x7f] = 'u';
    escape['"'] = '"';
    escape['\\'] = '\\';
    escape['\n'] = 'n';
    escape['\t'] = 't';
    escape['\r'] = 'r';
    escape['\b'] = 'b';
    escape['\f'] = 'f';
    for (int c = 0; c < 0x80; c++) same[c] = escape[c] == 0;
    out[out_len++] = '"';
    for (;;) {
        if (at == in_len && fill(1) == 0) break;
        if (!copy_plain(0x7f, same)) continue;
        unsigned char c = in[at];
        if (c >= 0x80) {
            size_t n = utf8_char();
            const unsigned char *p = in + at;
            unsigned long cp = n == 2   ? (unsigned long)(p[0] & 0x1f) << 6 | (p[1] & 0x3f)
                               : n == 3 ? (unsigned long)(p[0] & 0x0f) << 12 | (unsigned long)(p[1] & 0x3f) << 6 | (p[2] & 0x3f)
                                        : (unsigned long)(p[0] & 0x07) << 18 | (unsigned long)(p[1] & 0x3f) << 12 |
                                              (unsigned long)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
            if (cp < 0x10000) {
                put_unit(cp);
            } else {
                cp -= 0x10000;
                put_unit(0xd800 + (cp >> 10));
                put_unit(0xdc00 + (cp & 0x3ff));
            }
            at += n;
        } else if (c == '\n' && fill(2) == 1) {
            /* The final line end is not part of the text. */
            at++;
        } else if (escape[c] == 'u') {
            put_unit(c);
            at++;
        } else {
            out[out_len++] = '\\';
            out[out_len++] = escape[c];
            at++;
        }
    }
    out[out_len++] = '"';
    flush();
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "";
    if (strcmp(name, "version") == 0 && argc == 2) {
        puts(VERSION);
        return 0;
    }
    /* As the Perl codec: words after FILE (or after `value`) are ignored. */
    const char *file = argc > 2 ? argv[2] : "";
    int known = 1;
    if (strcmp(name, "decode") == 0) mode = DECODE;
    else if (strcmp(name, "decode-line") == 0) mode = DECODE_LINE;
    else if (strcmp(name, "value") == 0) mode = VALUE;
    else if (strcmp(name, "encode") == 0) mode = ENCODE;
    else known = 0;
    if (!known || (mode != VALUE && file[0] == '\0')) {
        fputs("usage: native-codec encode|decode|decode-line FILE <in; native-codec value <in; native-codec version\n",
              stderr);
        return 64;
    }
    if (mode != VALUE) {
        out_fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (out_fd < 0) cannot_write();
    }
    if (mode == ENCODE) encode();
    else decode();
    if (out_fd >= 0 && close(out_fd) != 0) cannot_write();
    return 0;
}
