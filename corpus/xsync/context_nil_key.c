// context.WithValue with a nil key panics with Go's message, "nil key".
//
// expect: panic
// stderr: panic: nil key
// seeds: 5 the panic is deterministic; a few schedules suffice
#include <gorace.h>

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_with_value(go_background(), NULL, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
