/*
 * build.c: compile a program against the gorace runtime, and the build cache.
 *
 * A gorace binary knows two layouts, both compiled in by CMake: the build
 * tree it was built in, and the install prefix. It uses the build tree when
 * it is itself the build tree's binary (by /proc/self/exe), else the prefix
 * it is installed in.
 * GORACE_INCLUDE, GORACE_LIB and GORACE_RACE_LIB override either.
 *
 * The race build compiles with -fsanitize=thread, but links without it: the
 * instrumentation calls are served by libgorace_race.a, not by libtsan. So it
 * compiles each source to an object first, then links the objects. The
 * release build is one ordinary cc invocation.
 *
 * The cache keys a binary by its sources, flags and the runtime's files, so
 * every rebuild of the runtime leaves a new set of binaries behind (a day of
 * `make check` left 5 GB). It is trimmed as Go trims its build cache: a
 * binary used again has its mtime refreshed, at most once an hour, and at
 * most once a day (trim.txt says when) binaries unused for five days are
 * removed, with half-written ones a killed build left a day ago.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef GORACE_VERSION
#define GORACE_VERSION "dev"
#endif
#ifndef GORACE_BUILD_EXE
#define GORACE_BUILD_EXE ""
#endif
#ifndef GORACE_BUILD_INCLUDE
#define GORACE_BUILD_INCLUDE ""
#endif
#ifndef GORACE_BUILD_RELEASE_LIB
#define GORACE_BUILD_RELEASE_LIB ""
#endif
#ifndef GORACE_BUILD_RACE_LIB
#define GORACE_BUILD_RACE_LIB ""
#endif
#ifndef GORACE_INSTALL_INCLUDE
#define GORACE_INSTALL_INCLUDE "/usr/local/include"
#endif
#ifndef GORACE_INSTALL_LIBDIR
#define GORACE_INSTALL_LIBDIR "/usr/local/lib"
#endif
#ifndef GORACE_INSTALL_INCLUDE_REL
#define GORACE_INSTALL_INCLUDE_REL "include"
#endif
#ifndef GORACE_INSTALL_LIBDIR_REL
#define GORACE_INSTALL_LIBDIR_REL "lib"
#endif

static const char *const link_libs[] = {"-lunwind", "-ldw", "-lpthread"};

/* The race build's compile flags. The string functions stay calls: gcc
 * expands strcpy of a literal, or memset of a constant size, into plain
 * stores after its TSan pass, where neither the instrumentation nor
 * detect/race/libc.c sees them (gcc 12 reports memcpy's as ranges). */
static const char *const race_cflags[] = {
    "-fsanitize=thread",    "-fno-builtin-memset",  "-fno-builtin-strcpy",
    "-fno-builtin-stpcpy",  "-fno-builtin-strncpy", "-fno-builtin-strcat",
    "-fno-builtin-strncat", "-fno-builtin-strlen",  "-fno-builtin-strnlen",
    "-fno-builtin-strcmp",  "-fno-builtin-strncmp", "-fno-builtin-strchr",
    "-fno-builtin-strrchr", "-fno-builtin-strstr",  "-fno-builtin-strdup",
    "-fno-builtin-strndup", "-fno-builtin-memcmp",  "-fno-builtin-memchr",
    "-fno-builtin-sprintf", "-fno-builtin-snprintf"};

static void set_path(char *dst, const char *env, const char *dflt)
{
    const char *v = getenv(env);
    strfmt(dst, 4096, "%s", v && *v ? v : dflt);
}

static bool running_from_build_tree(void)
{
    char self[PATH_MAX], built[PATH_MAX];
    if (realpath("/proc/self/exe", self) == NULL ||
        realpath(GORACE_BUILD_EXE, built) == NULL)
        return false;
    return strcmp(self, built) == 0;
}

/* An installed gorace finds the runtime relative to itself (prefix/bin/gorace
 * next to prefix/include and prefix/lib), so `cmake --install --prefix` and
 * relocated trees work; else the prefix configured at build time. */
static void install_dirs(char *inc, char *lib)
{
    char self[PATH_MAX];
    strfmt(inc, 4096, "%s", GORACE_INSTALL_INCLUDE);
    strfmt(lib, 4096, "%s", GORACE_INSTALL_LIBDIR);
    if (realpath("/proc/self/exe", self) == NULL)
        return;
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(self, '/');
        if (slash == NULL)
            return;
        *slash = '\0';
    }
    char hdr[PATH_MAX + 64];
    strfmt(hdr, sizeof hdr, "%s/%s/gorace.h", self, GORACE_INSTALL_INCLUDE_REL);
    if (access(hdr, R_OK) != 0)
        return;
    strfmt(inc, 4096, "%s/%s", self, GORACE_INSTALL_INCLUDE_REL);
    strfmt(lib, 4096, "%s/%s", self, GORACE_INSTALL_LIBDIR_REL);
}

static struct rtpaths paths;
static pthread_once_t paths_once = PTHREAD_ONCE_INIT;

static void init_paths(void)
{
    struct rtpaths *p = &paths;
    p->from_build_tree = running_from_build_tree();
    char rel[4096], race[4096], dl[4096], instr[4096];
    if (p->from_build_tree) {
        set_path(p->include_dir, "GORACE_INCLUDE", GORACE_BUILD_INCLUDE);
        strfmt(rel, sizeof rel, "%s", GORACE_BUILD_RELEASE_LIB);
        strfmt(race, sizeof race, "%s", GORACE_BUILD_RACE_LIB);
        strfmt(dl, sizeof dl, "%s", GORACE_BUILD_DEADLOCK_LIB);
        strfmt(instr, sizeof instr, "%s", GORACE_BUILD_INSTR_LIB);
    } else {
        char inc[4096], lib[4096];
        install_dirs(inc, lib);
        set_path(p->include_dir, "GORACE_INCLUDE", inc);
        strfmt(rel, sizeof rel, "%s/libgorace.a", lib);
        strfmt(race, sizeof race, "%s/libgorace_race.a", lib);
        strfmt(dl, sizeof dl, "%s/libgorace_deadlock.a", lib);
        strfmt(instr, sizeof instr, "%s/libgorace_instr.a", lib);
    }
    set_path(p->release_lib, "GORACE_LIB", rel);
    set_path(p->race_lib, "GORACE_RACE_LIB", race);
    set_path(p->deadlock_lib, "GORACE_DEADLOCK_LIB", dl);
    set_path(p->instr_lib, "GORACE_INSTR_LIB", instr);
}

/* Check workers ask concurrently: initialise exactly once. */
const struct rtpaths *rt_paths(void)
{
    pthread_once(&paths_once, init_paths);
    return &paths;
}

bool race_lib_built(void)
{
    return access(rt_paths()->race_lib, R_OK) == 0;
}

/* ---- command lines ----------------------------------------------------- */

struct argvec {
    char **v;
    size_t n, cap;
};

static void push(struct argvec *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
        if (a->v == NULL) {
            perror("gorace");
            exit(1);
        }
    }
    a->v[a->n++] = strdup(s);
    a->v[a->n] = NULL;
}

static void argvec_free(struct argvec *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* $CC may carry words ("ccache gcc"). */
static void push_cc(struct argvec *a)
{
    const char *cc = getenv("CC");
    char *copy = strdup(cc && *cc ? cc : "cc"), *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w != NULL;
         w = strtok_r(NULL, " \t", &save))
        push(a, w);
    free(copy);
}

/* Is $CC clang? Asked once ($CC --version), as check workers build at the
 * same time. */
static bool cc_clang;
static pthread_once_t cc_once = PTHREAD_ONCE_INIT;

static void probe_cc(void)
{
    const char *cc = getenv("CC");
    char cmd[4200];
    strfmt(cmd, sizeof cmd, "%s --version 2>/dev/null", cc && *cc ? cc : "cc");
    FILE *f = popen(cmd, "r");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL)
        if (strstr(line, "clang") != NULL)
            cc_clang = true;
    pclose(f);
}

/* -g, and for clang -gdwarf-aranges: without that table the runtime's
 * symboliser finds no file:line for clang's code (gcc always emits it). */
static void push_debug(struct argvec *a)
{
    pthread_once(&cc_once, probe_cc);
    push(a, "-g");
    if (cc_clang)
        push(a, "-gdwarf-aranges");
}

static bool is_link_only(const char *f)
{
    return strncmp(f, "-l", 2) == 0 || strncmp(f, "-L", 2) == 0 ||
           strncmp(f, "-Wl,", 4) == 0 || f[0] != '-';
}

static int run_cc(struct argvec *a, int diag_fd, char *err, size_t errlen)
{
    int st = spawn_wait(a->v, NULL, false, diag_fd, diag_fd, 0, NULL);
    if (st == -1) {
        strfmt(err, errlen, "cannot run %s: %s", a->v[0], strerror(errno));
        return false;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        strfmt(err, errlen, "%s failed (exit status %d)", a->v[0],
               WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        return false;
    }
    return true;
}

static bool check_libs(bool release, char *err, size_t errlen)
{
    const struct rtpaths *p = rt_paths();
    if (release && access(p->release_lib, R_OK) != 0) {
        strfmt(err, errlen, "release runtime not found at %s", p->release_lib);
        return false;
    }
    if (!release && !race_lib_built()) {
        strfmt(err, errlen,
               "the race runtime (libgorace_race.a) is not built yet; pass "
               "--release to use the release runtime");
        return false;
    }
    return true;
}

static void push_link_tail(struct argvec *a, bool release)
{
    const struct rtpaths *p = rt_paths();
    if (release) {
        push(a, p->release_lib);
    } else {
        /* Nothing in a program refers to the deadlock detector: -u pulls
         * its hook table in. The race library comes first: its malloc is
         * the one the program gets. */
        push(a, p->race_lib);
        if (access(p->deadlock_lib, R_OK) == 0) {
            push(a, "-Wl,-u,gorace_deadlock_engine");
            push(a, p->deadlock_lib);
        }
        push(a, p->instr_lib);
    }
    for (size_t i = 0; i < sizeof link_libs / sizeof *link_libs; i++)
        push(a, link_libs[i]);
}

bool build_program(char *const srcs[], size_t nsrcs, char *const flags[],
                   size_t nflags, bool release, const char *out, int diag_fd,
                   char *err, size_t errlen)
{
    if (!check_libs(release, err, errlen))
        return false;
    const struct rtpaths *p = rt_paths();
    char inc[4200];
    strfmt(inc, sizeof inc, "-I%s", p->include_dir);
    struct argvec a = {0};
    bool ok = true;

    if (release) {
        push_cc(&a);
        push_debug(&a);
        push(&a, inc);
        for (size_t i = 0; i < nflags; i++)
            push(&a, flags[i]);
        for (size_t i = 0; i < nsrcs; i++)
            push(&a, srcs[i]);
        push(&a, "-o");
        push(&a, out);
        push_link_tail(&a, true);
        ok = run_cc(&a, diag_fd, err, errlen);
        argvec_free(&a);
        return ok;
    }

    /* Race build: objects next to the output, then a plain link. */
    struct argvec objs = {0};
    for (size_t i = 0; i < nsrcs && ok; i++) {
        char obj[4200];
        strfmt(obj, sizeof obj, "%s.%zu.o", out, i);
        push(&objs, obj);
        push_cc(&a);
        for (size_t j = 0; j < sizeof race_cflags / sizeof *race_cflags; j++)
            push(&a, race_cflags[j]);
        push_debug(&a);
        push(&a, inc);
        for (size_t j = 0; j < nflags; j++)
            if (!is_link_only(flags[j]))
                push(&a, flags[j]);
        push(&a, "-c");
        push(&a, srcs[i]);
        push(&a, "-o");
        push(&a, obj);
        ok = run_cc(&a, diag_fd, err, errlen);
        argvec_free(&a);
    }
    if (ok) {
        push_cc(&a);
        push(&a, "-g");
        for (size_t j = 0; j < nflags; j++)
            push(&a, flags[j]);
        for (size_t i = 0; i < objs.n; i++)
            push(&a, objs.v[i]);
        push(&a, "-o");
        push(&a, out);
        push_link_tail(&a, false);
        ok = run_cc(&a, diag_fd, err, errlen);
        argvec_free(&a);
    }
    for (size_t i = 0; i < objs.n; i++)
        unlink(objs.v[i]);
    argvec_free(&objs);
    return ok;
}

/* ---- the cache --------------------------------------------------------- */

/* FNV-1a, 64 bits: a cache key, not a security boundary. */
static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= s[i];
        *h *= 1099511628211ull;
    }
}

static void hash_str(uint64_t *h, const char *s)
{
    hash_bytes(h, s, strlen(s) + 1);
}

static bool hash_file(uint64_t *h, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        hash_bytes(h, buf, n);
    fclose(f);
    return true;
}

/* A rebuilt runtime or header changes the key. */
static void hash_stat(uint64_t *h, const char *path)
{
    struct stat st;
    hash_str(h, path);
    if (stat(path, &st) == 0) {
        hash_bytes(h, &st.st_size, sizeof st.st_size);
        hash_bytes(h, &st.st_mtim, sizeof st.st_mtim);
    }
}

static bool mkdir_p(const char *path)
{
    char buf[4096];
    strfmt(buf, sizeof buf, "%s", path);
    for (char *s = buf + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return false;
            *s = '/';
        }
    }
    return mkdir(buf, 0755) == 0 || errno == EEXIST;
}

static bool cache_dir(char *dst, size_t len)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        strfmt(dst, len, "%s/gorace", xdg);
    else if (home && *home)
        strfmt(dst, len, "%s/.cache/gorace", home);
    else
        return false;
    return mkdir_p(dst);
}

enum {
    CACHE_TOUCH_S = 3600,         /* refresh a used binary's mtime */
    CACHE_TRIM_EVERY_S = 86400,   /* between trims */
    CACHE_KEEP_S = 5 * 86400,     /* unused for longer: removed */
    CACHE_KEEP_PARTIAL_S = 86400, /* a half-written binary */
};

static void cache_mark_used(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && time(NULL) - st.st_mtime > CACHE_TOUCH_S)
        utimensat(AT_FDCWD, path, NULL, 0);
}

/* A name this cache writes: 16 hex digits, '-', the program's name. */
static bool cache_entry_name(const char *name)
{
    for (int i = 0; i < 16; i++)
        if (!strchr("0123456789abcdef", name[i]) || !name[i])
            return false;
    return name[16] == '-';
}

static void cache_trim(const char *dir)
{
    char path[4200];
    strfmt(path, sizeof path, "%s/trim.txt", dir);
    time_t now = time(NULL);
    struct stat st;
    if (stat(path, &st) == 0 && now - st.st_mtime < CACHE_TRIM_EVERY_S)
        return;
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%lld\n", (long long)now);
        fclose(f);
    }
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (!cache_entry_name(e->d_name))
            continue;
        strfmt(path, sizeof path, "%s/%s", dir, e->d_name);
        time_t keep =
            strstr(e->d_name, ".tmp") ? CACHE_KEEP_PARTIAL_S : CACHE_KEEP_S;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            now - st.st_mtime > keep)
            unlink(path);
    }
    closedir(d);
}

bool cached_build(char *const srcs[], size_t nsrcs, char *const flags[],
                  size_t nflags, bool release, int diag_fd, char *exe,
                  size_t exelen, char *err, size_t errlen)
{
    if (!check_libs(release, err, errlen))
        return false;
    const struct rtpaths *p = rt_paths();
    uint64_t h = 14695981039346656037ull;
    hash_str(&h, GORACE_VERSION);
    hash_str(&h, release ? "release" : "race");
    hash_str(&h, getenv("CC") ? getenv("CC") : "cc");
    for (size_t i = 0; i < nflags; i++)
        hash_str(&h, flags[i]);
    for (size_t i = 0; i < nsrcs; i++) {
        hash_str(&h, srcs[i]);
        if (!hash_file(&h, srcs[i])) {
            strfmt(err, errlen, "%s: %s", srcs[i], strerror(errno));
            return false;
        }
    }
    hash_stat(&h, release ? p->release_lib : p->race_lib);
    if (!release) {
        hash_stat(&h, p->deadlock_lib);
        hash_stat(&h, p->instr_lib);
    }
    char hdr[4200];
    strfmt(hdr, sizeof hdr, "%s/gorace.h", p->include_dir);
    hash_stat(&h, hdr);

    char dir[4096], final[4200], tmp[4200];
    if (!cache_dir(dir, sizeof dir)) {
        strfmt(err, errlen, "cannot create the cache directory %s: %s", dir,
               strerror(errno));
        return false;
    }
    const char *base = strrchr(srcs[0], '/');
    base = base ? base + 1 : srcs[0];
    char name[256];
    strfmt(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = '\0';
    strfmt(final, sizeof final, "%s/%016llx-%s", dir, (unsigned long long)h,
           name);
    strfmt(exe, exelen, "%s", final);
    if (access(final, X_OK) == 0) {
        cache_mark_used(final);
        return true;
    }
    cache_trim(dir);

    /* Build beside the final name, then rename: concurrent builders of the
     * same program (check -j) never see a half-written binary. */
    strfmt(tmp, sizeof tmp, "%s.tmp%ld", final, (long)gettid());
    if (!build_program(srcs, nsrcs, flags, nflags, release, tmp, diag_fd, err,
                       errlen)) {
        unlink(tmp);
        return false;
    }
    if (rename(tmp, final) != 0) {
        strfmt(err, errlen, "cannot write %s: %s", final, strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}
