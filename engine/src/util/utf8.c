#include "util/utf8.h"

#include <stdint.h>

size_t gl_utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    uint32_t cp;

    if (n == 0 || len == 0 || len > n)
        return 0;
    cp = len == 1 ? c : len == 2 ? c & 0x1fu : len == 3 ? c & 0x0fu : c & 0x07u;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int gl_utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0, len; i < n; i += len)
        if ((len = gl_utf8_seq_len(s + i, n - i)) == 0)
            return 0;
    return 1;
}

void gl_utf8_scrub_xml(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n = 0;

    while (p[n] != '\0')
        n++;
    for (size_t i = 0; i < n;) {
        size_t len = gl_utf8_seq_len(p + i, n - i);
        /* U+FFFE and U+FFFF are not XML characters either */
        int bad = len == 0 || (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') ||
                  (len == 3 && p[i] == 0xef && p[i + 1] == 0xbf && (p[i + 2] == 0xbe || p[i + 2] == 0xbf));
        if (bad) {
            size_t k = len == 0 ? 1 : len;
            for (size_t j = 0; j < k; j++)
                p[i + j] = '?';
            i += k;
        } else {
            i += len;
        }
    }
}
