/* strcpy in one goroutine, strlen of the same buffer in another: libc's
 * string functions are accesses (detect/race/libc.c). The report names the
 * libc function on top of the user's frame (run_progs.sh checks it). */
#include <gorace.h>
#include <string.h>

char buf[32]; /* not static: the accesses must stay */
char src[32] = "hello, gopher";
size_t len;
static go_wg wg;

static void writer(void *arg)
{
    (void)arg;
    strcpy(buf, src);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(writer, NULL);
    len = strlen(buf);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
