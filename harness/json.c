/*
 * json.c: a recursive-descent JSON reader (RFC 8259, depth-limited) and the
 * escaping writer of check's and merge's reports.
 *
 * The reader exists for gorace merge, which reads what check and stress
 * wrote, but it takes any valid document: a shard file edited by hand or by
 * another tool is read the same way, and a broken one gets its line number.
 */
#define _GNU_SOURCE
#include "json.h"
#include "expect.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct reader {
    const char *s, *end;
    char *err;
    size_t errlen;
    bool failed;
};

static bool fail(struct reader *r, const char *at, const char *what)
{
    if (r->failed)
        return false;
    r->failed = true;
    int line = 1;
    for (const char *p = r->s; p < at && p < r->end; p++)
        line += *p == '\n';
    strfmt(r->err, r->errlen, "line %d: %s", line, what);
    return false;
}

static void skip_ws(struct reader *r, const char **p)
{
    while (*p < r->end &&
           (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
        (*p)++;
}

static void put_utf8(char *dst, size_t *n, unsigned long c)
{
    if (c < 0x80) {
        dst[(*n)++] = (char)c;
    } else if (c < 0x800) {
        dst[(*n)++] = (char)(0xc0 | c >> 6);
        dst[(*n)++] = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        dst[(*n)++] = (char)(0xe0 | c >> 12);
        dst[(*n)++] = (char)(0x80 | (c >> 6 & 0x3f));
        dst[(*n)++] = (char)(0x80 | (c & 0x3f));
    } else {
        dst[(*n)++] = (char)(0xf0 | c >> 18);
        dst[(*n)++] = (char)(0x80 | (c >> 12 & 0x3f));
        dst[(*n)++] = (char)(0x80 | (c >> 6 & 0x3f));
        dst[(*n)++] = (char)(0x80 | (c & 0x3f));
    }
}

static bool hex4(const char *p, const char *end, unsigned long *c)
{
    *c = 0;
    for (int i = 0; i < 4; i++) {
        if (p + i >= end)
            return false;
        char h = p[i];
        int d = h >= '0' && h <= '9'   ? h - '0'
                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                       : -1;
        if (d < 0)
            return false;
        *c = *c * 16 + (unsigned long)d;
    }
    return true;
}

/* *p at the opening quote. */
static bool read_string(struct reader *r, const char **p, char **out,
                        size_t *outlen)
{
    const char *q = *p + 1;
    char *dst = malloc((size_t)(r->end - q) + 1);
    size_t n = 0;
    for (;;) {
        if (q >= r->end) {
            free(dst);
            return fail(r, q, "unterminated string");
        }
        unsigned char c = (unsigned char)*q;
        if (c == '"')
            break;
        if (c < 0x20) {
            free(dst);
            return fail(r, q, "control character in a string");
        }
        if (c != '\\') {
            dst[n++] = (char)c;
            q++;
            continue;
        }
        q++;
        char e = q < r->end ? *q : '\0';
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e != '\0' && e != 'u' && simple) {
            static const char to[] = "\"\\/\b\f\n\r\t";
            dst[n++] = to[simple - "\"\\/bfnrt"];
            q++;
            continue;
        }
        unsigned long cp;
        if (e != 'u' || !hex4(q + 1, r->end, &cp)) {
            free(dst);
            return fail(r, q, "bad escape in a string");
        }
        q += 5;
        if (cp >= 0xd800 && cp < 0xdc00 && q + 1 < r->end && q[0] == '\\' &&
            q[1] == 'u') {
            unsigned long lo;
            if (hex4(q + 2, r->end, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                q += 6;
            }
        }
        if (cp >= 0xd800 && cp < 0xe000)
            cp = 0xfffd;
        put_utf8(dst, &n, cp);
    }
    dst[n] = '\0';
    *out = dst;
    *outlen = n;
    *p = q + 1;
    return true;
}

static bool read_value(struct reader *r, const char **p, struct jval *v,
                       int depth);

static void push(struct jval *v, size_t *cap)
{
    if (v->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        v->items = realloc(v->items, *cap * sizeof *v->items);
        if (v->type == J_OBJ)
            v->keys = realloc(v->keys, *cap * sizeof *v->keys);
    }
    memset(&v->items[v->n], 0, sizeof *v->items);
    if (v->type == J_OBJ)
        v->keys[v->n] = NULL;
    v->n++;
}

/* An array or object; *p at the opening bracket. */
static bool read_container(struct reader *r, const char **p, struct jval *v,
                           int depth)
{
    bool obj = **p == '{';
    char close = obj ? '}' : ']';
    v->type = obj ? J_OBJ : J_ARR;
    size_t cap = 0;
    (*p)++;
    skip_ws(r, p);
    if (*p < r->end && **p == close) {
        (*p)++;
        return true;
    }
    for (;;) {
        push(v, &cap);
        skip_ws(r, p);
        if (obj) {
            size_t klen;
            if (*p >= r->end || **p != '"')
                return fail(r, *p, "expected a member name in quotes");
            if (!read_string(r, p, &v->keys[v->n - 1], &klen))
                return false;
            skip_ws(r, p);
            if (*p >= r->end || **p != ':')
                return fail(r, *p, "expected ':' after a member name");
            (*p)++;
        }
        if (!read_value(r, p, &v->items[v->n - 1], depth + 1))
            return false;
        skip_ws(r, p);
        if (*p < r->end && **p == ',') {
            (*p)++;
            continue;
        }
        if (*p < r->end && **p == close) {
            (*p)++;
            return true;
        }
        return fail(r, *p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool read_number(struct reader *r, const char **p, struct jval *v)
{
    const char *q = *p;
    if (q < r->end && *q == '-')
        q++;
    if (q >= r->end || *q < '0' || *q > '9')
        return fail(r, *p, "expected a value");
    while (q < r->end && strchr("0123456789+-.eE", *q))
        q++;
    char buf[64];
    if (q - *p >= (long)sizeof buf)
        return fail(r, *p, "number too long");
    memcpy(buf, *p, (size_t)(q - *p));
    buf[q - *p] = '\0';
    char *end;
    v->type = J_NUM;
    v->num = strtod(buf, &end);
    if (*end != '\0')
        return fail(r, *p, "bad number");
    *p = q;
    return true;
}

static bool read_value(struct reader *r, const char **p, struct jval *v,
                       int depth)
{
    if (depth > MAX_DEPTH)
        return fail(r, *p, "nested too deeply");
    skip_ws(r, p);
    if (*p >= r->end)
        return fail(r, *p, "unexpected end of input, expected a value");
    static const struct {
        const char *word;
        enum jtype type;
        bool b;
    } words[] = {{"null", J_NULL, false},
                 {"true", J_BOOL, true},
                 {"false", J_BOOL, false}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(r->end - *p) >= n && memcmp(*p, words[i].word, n) == 0) {
            v->type = words[i].type;
            v->b = words[i].b;
            *p += n;
            return true;
        }
    }
    if (**p == '"') {
        v->type = J_STR;
        return read_string(r, p, &v->str, &v->len);
    }
    if (**p == '{' || **p == '[')
        return read_container(r, p, v, depth);
    return read_number(r, p, v);
}

struct jval *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    struct reader r = {
        .s = text, .end = text + len, .err = err, .errlen = errlen};
    struct jval *v = calloc(1, sizeof *v);
    const char *p = text;
    if (read_value(&r, &p, v, 0)) {
        skip_ws(&r, &p);
        if (p == r.end)
            return v;
        fail(&r, p, "text after the document");
    }
    json_free(v);
    return NULL;
}

static void free_inner(struct jval *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free_inner(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

void json_free(struct jval *v)
{
    if (v == NULL)
        return;
    free_inner(v);
    free(v);
}

const struct jval *json_get(const struct jval *o, const char *key)
{
    if (o == NULL || o->type != J_OBJ)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (o->keys[i] && strcmp(o->keys[i], key) == 0)
            return &o->items[i];
    return NULL;
}

/* ---- writing ----------------------------------------------------------- */

static void put_char(FILE *f, unsigned char c, bool xml)
{
    if (xml) {
        if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '&')
            fputs("&amp;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
            fputs("\xef\xbf\xbd", f);
        else
            fputc(c, f);
        return;
    }
    if (c == '"' || c == '\\')
        fprintf(f, "\\%c", c);
    else if (c == '\n')
        fputs("\\n", f);
    else if (c == '\t')
        fputs("\\t", f);
    else if (c < 0x20 || c == 0x7f)
        fprintf(f, "\\u%04x", c);
    else
        fputc(c, f);
}

void put_escaped(FILE *f, const char *s, size_t n, bool xml)
{
    const unsigned char *p = (const unsigned char *)s;
    if (!xml)
        fputc('"', f);
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq_len(p + i, n - i);
        if (l == 0) {
            fputs(xml ? "\xef\xbf\xbd" : "\\ufffd", f);
            i++;
        } else if (l > 1) {
            fwrite(p + i, 1, l, f);
            i += l;
        } else {
            put_char(f, p[i++], xml);
        }
    }
    if (!xml)
        fputc('"', f);
}

void put_str(FILE *f, const char *s, bool xml)
{
    put_escaped(f, s ? s : "", s ? strlen(s) : 0, xml);
}
