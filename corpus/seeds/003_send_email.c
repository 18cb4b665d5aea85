// A background email send: the caller finishes the request at once and
// sleeps long enough for the goroutine to finish. Article 003, first example;
// Go original: go/003_send_email.go. Durations shrunk 10x
// (500ms -> 50ms, 1s -> 100ms).
//
// expect: ok
// gomaxprocs: 1,2
// stdout: request finished
// stdout: email sent to asha@example.com
#include <gorace.h>
#include <stdio.h>

static void send_email(void *user)
{
    go_sleep(50 * GO_MILLISECOND);
    printf("email sent to %s\n", (const char *)user);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(send_email, "asha@example.com");
    printf("request finished\n");
    go_sleep(100 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
