// A byte on a socket sent too early to publish anything. A loader
// goroutine writes one byte to a connection and only then fills in a
// configuration; main reads the byte, then reads the configuration.
// Main's read of the byte is ordered after the loader's write of it (the
// race detector models Go's ioSync: a write to an fd happens before a read
// that sees its data), but the configuration stores come after that write,
// and nothing orders them with main's loads: a data race, which the
// detector reports. What main would read depends on the schedule, so it
// prints nothing. socket_publish_race_fixed.c fills in the configuration
// before writing the byte.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdio.h>

static struct {
    int port, workers;
} config;
static go_wg loaded;
int sink; /* external linkage: the optimizer keeps its store */

static void loader(void *arg)
{
    int fd = (int)(intptr_t)arg;
    go_write(fd, "!", 1); /* too early: publishes nothing */
    config.port = 8080;
    config.workers = 4;
    go_wg_done(&loaded);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    int lfd = go_listen_tcp("127.0.0.1:0");
    if (lfd < 0) {
        perror("listen");
        return 1;
    }
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", go_local_port(lfd));
    int fd = go_dial_tcp(addr, GO_SECOND);
    int sfd = go_accept(lfd, NULL, NULL);
    if (fd < 0 || sfd < 0) {
        perror("connect");
        return 1;
    }
    go_close(lfd);

    go_wg_add(&loaded, 1);
    GO(loader, (void *)(intptr_t)sfd);
    char c;
    if (go_read(fd, &c, 1) != 1)
        return 1;
    sink = config.port + config.workers; /* races with the loader */
    go_wg_wait(&loaded);
    go_close(sfd);
    go_close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
