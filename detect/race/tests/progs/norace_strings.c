/* The string functions and the printf family, ordered by channels: no
 * report, and the interceptors return what libc returns. */
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char buf[64];
static go_chan *ready;

static void writer(void *arg)
{
    (void)arg;
    snprintf(buf, sizeof buf, "%s-%d", "go", 119);
    strcat(buf, "!");
    go_chan_send(ready, NULL);
}

static int check(void)
{
    char tmp[64], *d = strdup(buf), *n = strndup(buf, 2);
    int bad = strlen(buf) != 7 || strnlen(buf, 3) != 3 ||
              strcmp(buf, "go-119!") || strncmp(buf, "go-x", 3) ||
              strchr(buf, '-') != buf + 2 || strrchr(buf, '1') != buf + 4 ||
              strstr(buf, "119") != buf + 3 || memcmp(buf, "go", 2) ||
              memchr(buf, '!', 8) != buf + 6 || strcmp(d, buf) ||
              strcmp(n, "go") || strcmp(strcpy(tmp, buf), "go-119!") ||
              stpcpy(tmp, "ab") != tmp + 2 ||
              strcmp(strncpy(tmp, buf, sizeof tmp), buf) ||
              strcmp(strncat(tmp, "xyz", 2), "go-119!xy") ||
              sprintf(tmp, "%d", 42) != 2;
    free(d);
    free(n);
    return bad;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    ready = go_chan_make(0, 0);
    GO(writer, NULL);
    go_chan_recv(ready, NULL);
    go_chan_free(ready);
    return check();
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
