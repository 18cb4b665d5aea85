// A correct program whose output is its interleaving, with all of its I/O
// inside the process: three clients each send two messages to an echo
// server and wait for each echo; the server's connection goroutines and
// the clients print a line at every step. The lines are always the same
// set, in an order the schedule picks. Loopback data written by one
// goroutine is readable as soon as go_write returns, so under a seeded
// schedule this order is a function of the seed alone: two runs with the
// same GORACE=seed=N print the same order (corpus/README.md, "Seeded
// schedules and real I/O").
//
// expect: ok
// gomaxprocs: 1,2
// clang-format off
// stdout-set: server 1: a1|server 1: a2|server 2: b1|server 2: b2|server 3: c1|server 3: c2|client 1: a1|client 1: a2|client 2: b1|client 2: b2|client 3: c1|client 3: c2
// clang-format on
// stdout: done
#include <gorace.h>
#include <stdio.h>

enum { CLIENTS = 3, MESSAGES = 2, MSGLEN = 2 };

static go_wg clients, conns;
static int port;

static void echo(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[MSGLEN];
    /* Each client waits for its echo before it writes again, so every
       read gets exactly one message. */
    while (go_read(fd, buf, MSGLEN) == MSGLEN) {
        printf("server %d: %.2s\n", buf[0] - 'a' + 1, buf);
        go_write(fd, buf, MSGLEN);
    }
    go_close(fd);
    go_wg_done(&conns);
}

static void client(void *arg)
{
    int id = (int)(intptr_t)arg;
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    int fd = go_dial_tcp(addr, GO_SECOND);
    for (int i = 1; fd >= 0 && i <= MESSAGES; i++) {
        char msg[MSGLEN + 1];
        snprintf(msg, sizeof msg, "%c%d", 'a' + id - 1, i);
        go_write(fd, msg, MSGLEN);
        if (go_read(fd, msg, MSGLEN) != MSGLEN)
            break;
        printf("client %d: %.2s\n", id, msg);
    }
    go_close(fd);
    go_wg_done(&clients);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    int lfd = go_listen_tcp("127.0.0.1:0");
    if (lfd < 0) {
        perror("listen");
        return 1;
    }
    port = go_local_port(lfd);
    for (int i = 1; i <= CLIENTS; i++) {
        go_wg_add(&clients, 1);
        GO(client, (void *)(intptr_t)i);
    }
    /* The accept loop, in main: exactly CLIENTS connections. */
    for (int i = 0; i < CLIENTS; i++) {
        int fd = go_accept(lfd, NULL, NULL);
        if (fd < 0) {
            perror("accept");
            return 1;
        }
        go_wg_add(&conns, 1);
        GO(echo, (void *)(intptr_t)fd);
    }
    go_close(lfd);
    go_wg_wait(&clients);
    go_wg_wait(&conns);
    printf("done\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
