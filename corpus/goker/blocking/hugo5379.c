// GoKer hugo#5379 (Resource Deadlock: double locking).
// Origin: gohugoio/hugo PR 5379; GoKer file
// goker/blocking/hugo/5379/hugo5379_test.go.
//
// One site with one page; two page renderers count the page's words.
// The first renderer runs the page's contentInit Once: it starts a
// goroutine (G) that takes contentInitMu and renders the page's shortcode,
// and waits for G or a 1ms timeout. The shortcode counts the page's words
// again: G waits for contentInit, which ends only at the timeout. Then G
// (still holding contentInitMu) and the renderers reach the plainInit
// Once, whose function takes contentInitMu: whoever runs it blocks on the
// mutex G holds, and everyone else (G included) waits for that Once. The
// test waits for the renderers: all asleep (or the lock-cycle detector
// reports the Once's mutex against contentInitMu first). That needs G to
// take contentInitMu before a renderer runs plainInit: if the 1ms timeout
// ends contentInit before G starts, the renderers finish and the test
// passes. Under a seed (virtual time) the timer fires only when nothing
// can run, so every seed deadlocks; free-running, starting G can take
// longer than 1ms in the instrumented build, and the outcome varies
// (8 of 20 runs deadlocked at GOMAXPROCS 1, 17 of 20 at 2), so it runs
// under seeds only. The instrumented build's deadlock detector reports
// the lock cycle before the last goroutine blocks (`fatal error:
// deadlock: lock cycle`), the release runtime Go's all-asleep deadlock:
// `expect: fatal` holds for both. The
// shortcode maps (one key, 0) are one-slot tables; Page's embedded
// structs are pointers as in Go (Page's own contentInit shadows the
// embedded one, which is never used).
// (Go's profile: (*Page).initContent.func1.1 [sync.Mutex.Lock];
// pageRenderer [sync.Mutex.Lock]; Hugo5379.func2 [sync.WaitGroup.Wait].)
//
// expect: fatal
// gomaxprocs: none free-running, real time decides (see above)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

struct page;
typedef struct page_without_content {
    struct page *page; /* the embedded *Page */
} page_without_content;

/* A map[int]func() error with at most the key 0: the func is
 * renderShortcode(p) for the captured p. */
struct shortcode_map {
    bool has0;
    page_without_content *p0;
};

struct shortcode_handler {
    page_without_content *p;
    struct shortcode_map content_shortcodes;
    struct shortcode_map content_shortcodes_delta;
    go_once init;
};

struct page_init {
    go_once without_content_init;
};

struct page_content_init {
    go_once content_init; /* shadowed by page.content_init */
    go_once plain_init;
};

struct page {
    struct page_init *page_init;
    struct page_content_init *page_content_init;
    page_without_content *page_without_content;
    go_once content_init;
    go_mutex content_init_mu;
    struct shortcode_handler *shortcode_state;
};

static void word_count(struct page *p);

static int render_shortcode(page_without_content *p)
{
    word_count(p->page); /* renderShortcodeWithPage */
    return 0;
}

static int execute_shortcodes_for_delta(struct shortcode_handler *s,
                                        page_without_content *p)
{
    (void)p;
    if (s->content_shortcodes_delta.has0) {
        if (render_shortcode(s->content_shortcodes_delta.p0) != 0) {
            /* continue */
        }
    }
    return 0;
}

static page_without_content *without_content(struct page *p);

static void update_delta_init(void *arg)
{
    struct shortcode_handler *s = arg;
    /* createShortcodeRenderers(s.p.withoutContent()) */
    s->content_shortcodes.has0 = true;
    s->content_shortcodes.p0 = without_content(s->p->page);
}

static void update_delta(struct shortcode_handler *s)
{
    go_once_do(&s->init, update_delta_init, s);
    struct shortcode_map delta = {0};
    if (s->content_shortcodes.has0 && !delta.has0)
        delta = s->content_shortcodes;
    s->content_shortcodes_delta = delta;
}

static void init_plain_func1(void *arg)
{
    struct page *p = arg;
    go_mutex_lock(&p->content_init_mu);   /* double locking here */
    go_mutex_unlock(&p->content_init_mu); /* deferred */
}

static void init_plain(struct page *p, bool lock)
{
    if (lock)
        go_once_do(&p->page_content_init->plain_init, init_plain_func1, p);
    else
        go_once_do(&p->page_content_init->plain_init, NULL, NULL);
}

static void without_content_init(void *arg)
{
    struct page *p = arg;
    p->page_without_content = malloc(sizeof *p->page_without_content);
    p->page_without_content->page = p;
}

static page_without_content *without_content(struct page *p)
{
    go_once_do(&p->page_init->without_content_init, without_content_init, p);
    return p->page_without_content;
}

static int handle_shortcodes(page_without_content *p)
{
    return execute_shortcodes_for_delta(p->page->shortcode_state, p);
}

static int prepare_for_render(struct page *p)
{
    int err = handle_shortcodes(without_content(p));
    if (err != 0)
        return err;
    return 0;
}

static void set_content_init(struct page *p)
{
    update_delta(p->shortcode_state);
}

struct init_arg {
    struct page *p;
    go_chan *c; /* chan error, cap 1 */
};

static void init_content_func1_1(void *arg)
{
    struct init_arg *a = arg;
    go_mutex_lock(&a->p->content_init_mu); /* first lock here */
    int err = prepare_for_render(a->p);
    go_chan_send(a->c, &err);
    go_mutex_unlock(&a->p->content_init_mu); /* deferred */
}

static void init_content_func1(void *arg)
{
    struct page *p = arg;
    go_ctx *ctx = go_with_timeout(go_background(), GO_MILLISECOND);
    struct init_arg *a = malloc(sizeof *a);
    *a = (struct init_arg){p, go_chan_make(sizeof(int), 1)};
    GO(init_content_func1_1, a);
    go_case cs[] = {GO_RECV_CASE(go_ctx_done(ctx), NULL),
                    GO_RECV_CASE(a->c, NULL)};
    go_select(cs, 2, false);
    go_cancel(ctx); /* deferred */
}

static void init_content(struct page *p)
{
    go_once_do(&p->content_init, init_content_func1, p);
}

static void init_content_plain_and_meta(struct page *p)
{
    init_content(p);
    init_plain(p, true);
}

static void word_count(struct page *p)
{
    init_content_plain_and_meta(p);
}

struct site {
    struct page *pages[1]; /* PageCollections.Pages */
    int npages;
};

static void prepare_pages_for_render(struct site *s)
{
    for (int i = 0; i < s->npages; i++)
        set_content_init(s->pages[i]);
}

static void render_for_layouts(struct site *s)
{
    for (int i = 0; i < s->npages; i++)
        word_count(s->pages[i]);
}

struct renderer_arg {
    struct site *s;
    go_wg *wg;
};

static void page_renderer(void *arg)
{
    struct renderer_arg *a = arg;
    render_for_layouts(a->s); /* renderAndWritePage */
    go_wg_done(a->wg);        /* deferred */
}

static void render_pages(struct site *s)
{
    enum { NUM_WORKERS = 2 };
    go_wg wg = {0};
    struct renderer_arg a = {s, &wg};
    for (int i = 0; i < NUM_WORKERS; i++) {
        go_wg_add(&wg, 1);
        GO(page_renderer, &a);
    }
    go_wg_wait(&wg);
}

struct hugo_sites {
    struct site *sites[1];
    int nsites;
};

static void hugo_render(struct hugo_sites *h)
{
    for (int i = 0; i < h->nsites; i++) {
        for (int j = 0; j < h->nsites; j++)
            prepare_pages_for_render(h->sites[j]);
        render_pages(h->sites[i]);
    }
}

static struct shortcode_handler *new_shortcode_handler(struct page *p)
{
    struct shortcode_handler *s = calloc(1, sizeof *s);
    s->p = without_content(p);
    return s;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    /* b.CreateSites(): NewHugoSites with one site */
    struct hugo_sites *h = calloc(1, sizeof *h);
    h->sites[h->nsites++] = calloc(1, sizeof(struct site));
    for (int i = 0; i < h->nsites; i++) {
        struct page *p = calloc(1, sizeof *p);
        p->page_init = calloc(1, sizeof *p->page_init);
        p->page_content_init = calloc(1, sizeof *p->page_content_init);
        p->page_without_content = calloc(1, sizeof *p->page_without_content);
        p->shortcode_state = new_shortcode_handler(p);
        struct site *site = h->sites[i];
        site->pages[site->npages++] = p;
    }
    hugo_render(h); /* s.Build() */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
