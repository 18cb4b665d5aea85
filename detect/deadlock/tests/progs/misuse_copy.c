/* A Mutex copied while locked: the copy is locked although nobody ever
 * locked it at its address; unlocking it is reported. */
#include <gorace.h>
#include <string.h>

static go_mutex orig;

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_mutex_lock(&orig);
    go_mutex copy;
    memcpy(&copy, &orig, sizeof copy);
    go_mutex_unlock(&copy);
    go_mutex_unlock(&orig);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
