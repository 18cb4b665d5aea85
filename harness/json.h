/*
 * json.h: a small JSON reader for gorace merge, and the string writer the
 * reports share.
 *
 * json_parse reads a whole document into a tree; errors name the line and
 * what was expected. Numbers are kept as doubles (shard results hold counts
 * and seconds well inside their 53 bits; seeds are written as strings).
 */
#ifndef GORACE_JSON_H
#define GORACE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
    enum jtype type;
    bool b;
    double num;
    char *str; /* J_STR: NUL-terminated (an embedded NUL ends it) */
    size_t len;
    struct jval *items; /* J_ARR, J_OBJ: n values */
    char **keys;        /* J_OBJ: n keys */
    size_t n;
};

/* Parses text (len bytes); on error returns NULL with a message in err. */
struct jval *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(struct jval *v);

/* o's member named key, or NULL (also when o is not an object). */
const struct jval *json_get(const struct jval *o, const char *key);

/* Writes n bytes of s as a JSON string, or (xml) as XML character data;
 * invalid UTF-8 and characters XML cannot carry become U+FFFD. */
void put_escaped(FILE *f, const char *s, size_t n, bool xml);
void put_str(FILE *f, const char *s, bool xml);

#endif
