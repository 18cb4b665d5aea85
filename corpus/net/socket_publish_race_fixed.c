// The fix of socket_publish_race.c: the loader fills in the configuration
// and then writes one byte to a connection; main reads that byte, then
// uses the configuration. Nothing else orders the two goroutines: the
// order comes from the data, which the race detector models as Go's does
// (its ioSync): a write to an fd happens before a read that sees its
// data. So this is race-free, and prints the loaded values.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: config: port 8080, workers 4
#include <gorace.h>
#include <stdio.h>

static struct {
    int port, workers;
} config;
static go_wg loaded;

static void loader(void *arg)
{
    int fd = (int)(intptr_t)arg;
    config.port = 8080;
    config.workers = 4;
    go_write(fd, "!", 1); /* publishes config */
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
    printf("config: port %d, workers %d\n", config.port, config.workers);
    go_wg_wait(&loaded);
    go_close(sfd);
    go_close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
