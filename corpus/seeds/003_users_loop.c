// One email per user, each goroutine given its user's address. Article 003
// shows only the loop; this completes it with three users, the article's
// sendEmail, and a final Wait. Go original: go/003_users_loop.go. Durations
// shrunk 10x (500ms -> 50ms).
//
// expect: ok
// gomaxprocs: 1,2
// clang-format off
// stdout-set: email sent to asha@example.com|email sent to ben@example.com|email sent to chen@example.com
// stdout: all emails sent
// clang-format on
#include <gorace.h>
#include <stdio.h>

struct user {
    const char *email;
};

static const struct user users[] = {
    {"asha@example.com"}, {"ben@example.com"}, {"chen@example.com"}};

static go_wg wg;

static void send_email(const char *user)
{
    go_sleep(50 * GO_MILLISECOND);
    printf("email sent to %s\n", user);
}

static void send_one(void *email)
{
    send_email(email);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (size_t i = 0; i < sizeof users / sizeof *users; i++) {
        go_wg_add(&wg, 1);
        GO(send_one, users[i].email);
    }
    go_wg_wait(&wg);
    printf("all emails sent\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
