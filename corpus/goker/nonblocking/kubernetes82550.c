// GoKer kubernetes#82550 (non-blocking, traditional: data race).
// Origin: kubernetes/kubernetes PR 82550; GoKer file
// goker/nonblocking/kubernetes/82550/kubernetes82550_test.go.
//
// lazyEcrProvider.LazyProvide() builds its CachingDockerConfigProvider on
// first use, `if p.actualProvider == nil { p.actualProvider = &...{} }`,
// with no lock. The test starts ten goroutines calling it on one provider
// and returns. Whichever goroutine runs first writes p.actualProvider; every
// later one reads it (the nil check, then the call through it) with no
// happens-before edge to that write, so the read/write pair is a race on
// every schedule, whatever the order the ten goroutines run in.
//
// The test does not wait for its goroutines; main sleeps 50ms after it (the
// rest of the test binary; free in virtual time) so that they run.
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdlib.h>

/* DockerConfig is map[string]DockerConfigEntry; Provide() returns an empty
 * one, so the lookup of "0" always yields the zero entry. */
struct docker_config_entry {
    int unused;
};
struct docker_config {
    int n;
};

struct caching_provider {
    struct docker_config cache;
};

static struct docker_config provide(struct caching_provider *d)
{
    (void)d;
    return (struct docker_config){0};
}

static struct docker_config_entry lookup(struct docker_config c, const char *k)
{
    (void)c, (void)k;
    return (struct docker_config_entry){0};
}

struct lazy_ecr_provider {
    struct caching_provider *actual_provider;
};

static struct docker_config_entry *lazy_provide(struct lazy_ecr_provider *p)
{
    if (p->actual_provider == NULL)
        p->actual_provider = calloc(1, sizeof *p->actual_provider);
    struct docker_config_entry *entry = malloc(sizeof *entry);
    *entry = lookup(provide(p->actual_provider), "0");
    return entry;
}

static void lazy_provide_g(void *arg)
{
    free(lazy_provide(arg));
}

static struct lazy_ecr_provider provider;

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 10; i++)
        GO(lazy_provide_g, &provider);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
