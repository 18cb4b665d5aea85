/* Memory per goroutine parked on a Mutex, race build with both detectors:
 * the deadlock detector walks for a lock cycle at every lock wait, on the
 * parking goroutine's own stack, below where it will sleep, so a big frame
 * there commits stack pages that stay committed while it sleeps. Exits 1,
 * saying so on stderr, above issue 15's bound for a goroutine under the
 * race detector (6 KB; 5.6 KB measured, 9.6 KB when the walk's frame was
 * 6.7 KB). */
#include <gorace.h>
#include <stdio.h>

enum { N = 20000, BOUND = 6 * 1024 };

static go_mutex m;
static go_wg parked, done;

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = 0;
    if (f)
        fclose(f);
    return resident * 4;
}

static void waiter(void *arg)
{
    (void)arg;
    go_wg_done(&parked);
    go_mutex_lock(&m);
    go_mutex_unlock(&m);
    go_wg_done(&done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_mutex_lock(&m);
    long before = rss_kb();
    go_wg_add(&parked, N);
    go_wg_add(&done, N);
    for (int i = 0; i < N; i++)
        GO(waiter, NULL);
    go_wg_wait(&parked);
    go_sleep(100 * GO_MILLISECOND); /* until every one sleeps on m */
    long per = (rss_kb() - before) * 1024 / N;
    go_mutex_unlock(&m);
    go_wg_wait(&done);
    if (per > BOUND) {
        fprintf(stderr, "%ld bytes per goroutine parked on a Mutex, bound %d\n",
                per, BOUND);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
